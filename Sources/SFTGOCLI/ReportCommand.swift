import ArgumentParser
import Experiments
import Foundation

/// `sftgo report SPEC`: the paper's tables from a sweep's result store (markdown, CSV or JSON),
/// with the paper's published numbers beside them, and Figures 2–3 as SVG.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Render Tables 1–8, paired statistics and Figures 2–3 from a sweep's results.")
    @OptionGroup var options: SweepOptions
    @Option(help: "markdown, csv or json.") var format: TableModel.Format = .markdown
    @Option(help: "Write the tables here instead of printing them.") var output: String?
    @Option(help: "Folder for the SVG figures (default: <store>/figures).") var figures: String?
    @Option(help: "Standard deviation: sample (n − 1) or population (n).") var std: Statistics.StdKind = .sample
    @Option(help: "Bootstrap resamples for the item-level paired bootstrap.") var resamples = 2000

    public init() {}

    public func run() throws {
        let (spec, profile, cells, store) = try options.load()
        let agg = try Aggregation.collect(cells: cells, store: store, locations: Locations.fromEnvironment())
        let ctx = ReportContext(spec: spec, profile: profile, aggregation: agg, stdKind: std,
                                paper: try ReportContext.loadPaper(specFile: spec.file), store: store, cells: cells)
        let text = Report.render(try Report.tables(ctx, bootstrapResamples: resamples), format: format)
        if let output { try AtomicFile.write(text, to: URL(fileURLWithPath: output)); print("wrote \(output)") }
        else { print(text, terminator: "") }
        let figDir = figures.map { URL(fileURLWithPath: $0) } ?? store.root.appendingPathComponent("figures")
        if let svg = try Figure2.svg(ctx) {
            try AtomicFile.write(svg, to: figDir.appendingPathComponent("figure2.svg"))
            FileHandle.standardError.write(Data("wrote \(figDir.path)/figure2.svg\n".utf8))
        }
        if spec.kind == .etaSweep, let svg = Figure3.svg(ctx) {
            try AtomicFile.write(svg, to: figDir.appendingPathComponent("figure3.svg"))
            FileHandle.standardError.write(Data("wrote \(figDir.path)/figure3.svg\n".utf8))
        }
    }
}

extension TableModel.Format: ExpressibleByArgument {}
extension Statistics.StdKind: ExpressibleByArgument {}
