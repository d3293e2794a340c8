@testable import Experiments
import Foundation
import XCTest

/// Tables and figures from a synthetic micro sweep: the markdown equals the committed expected file
/// (set SFTGO_UPDATE_GOLDENS=1 to rewrite it after a deliberate change), and the numbers in it are
/// the store's numbers.
final class ReportTests: XCTestCase {
    static let expected = Fixtures.fixtures.appendingPathComponent("micro-tables.md")

    func sweep() throws -> (ReportContext, URL) {
        let root = try Fixtures.tempDir()
        let spec = try ExperimentSpec.load(Fixtures.micro)
        let profile = try spec.profiles.profile("micro")
        let cells = try Grid.expand(spec, profile: profile)
        let store = ResultStore(root: root.appendingPathComponent("store"))
        let loc = try Fixtures.locations(root)
        let ex = LocalExecutor(store: store, runner: SyntheticRunner(items: 40), locations: loc, gitCommit: "test")
        ex.display = ProgressDisplay(total: cells.count, interactive: false, interval: 1e9, sink: { _ in })
        try ex.run(cells)
        let agg = try Aggregation.collect(cells: cells, store: store, locations: loc)
        let paper = try ReportContext.loadPaper(specFile: Fixtures.experiments.appendingPathComponent("lima.yaml").path)
        return (ReportContext(spec: spec, profile: profile, aggregation: agg, paper: paper, store: store, cells: cells), root)
    }

    func testMarkdownEqualsTheCommittedExpectedFile() throws {
        let (ctx, root) = try sweep()
        let md = Report.render(try Report.tables(ctx, bootstrapResamples: 500), format: .markdown)
            .replacingOccurrences(of: root.path, with: "<tmp>")
        if ProcessInfo.processInfo.environment["SFTGO_UPDATE_GOLDENS"] == "1" {
            try md.write(to: Self.expected, atomically: true, encoding: .utf8)
        }
        let want = try String(contentsOf: Self.expected, encoding: .utf8)
        XCTAssertEqual(md, want)
        if md != want {
            try md.write(to: root.appendingPathComponent("got.md"), atomically: true, encoding: .utf8)
            print("wrote \(root.path)/got.md for comparison")
        }
    }

    func testTableNumbersAreTheStoresNumbers() throws {
        let (ctx, _) = try sweep()
        // Recompute one entry by hand from the results files: TF-IDF's MMLU:0 over the two seeds.
        var xs: [Double] = []
        for s in [1, 2] {
            let r = try XCTUnwrap(try ctx.store.results("tiny.tf-idf.eta90.lam0.9.s\(s)"))
            xs.append(100 * r["results"]!["mmlu"]!["acc,none"]!.doubleValue!)
        }
        let t = MainTables.table(ctx, id: "t", title: "t", extended: false)
        let row = try XCTUnwrap(t.sections[0].rows.first { $0[0].text == "TF-IDF" })
        let m = (xs[0] + xs[1]) / 2, sd = abs(xs[0] - xs[1]) / 2.0.squareRoot()
        XCTAssertEqual(row[1].text, String(format: "%.2f ± %.2f", m, sd))
        // Avg. is the mean of the eight columns, per seed, then over seeds.
        let agg = ctx.aggregation.rows.first { $0.key == "tiny.tf-idf.eta90.lam0.9" }!
        for s in [1, 2] {
            let cols = Columns.main.map { agg.values[$0.id]![s]! }
            XCTAssertEqual(agg.values["avg"]![s]!, cols.reduce(0, +) / 8, accuracy: 1e-12)
        }
        // The column's value is the mean of its items in the samples file (× 100).
        let items = try ItemScores.load(samples: ctx.store.samplesDirectory(of: "tiny.tf-idf.eta90.lam0.9.s1"),
                                        results: nil, ref: MetricRef("mmlu", "acc,none"))
        XCTAssertEqual(items.count, 40)
        XCTAssertEqual(100 * items.values.reduce(0, +) / 40, xs[0], accuracy: 1e-9)
        // CSV and JSON carry the same means.
        XCTAssertTrue(t.csv().contains(String(format: "%.4f", m)))
        XCTAssertEqual(t.json()["sections"]?.arrayValue?.first?["rows"]?.arrayValue?.count, 4)
    }

    /// IFEval's samples carry instruction-level verdicts as a list per prompt (a real sweep's store
    /// failed the report on them): every instruction is an item.
    func testInstructionLevelListsAreItems() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("items-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        {"doc_id": 0, "prompt_level_strict_acc": 0.0, "inst_level_strict_acc": [1.0, 0.0]}
        {"doc_id": 3, "prompt_level_strict_acc": 1.0, "inst_level_strict_acc": [1.0]}

        """.write(to: dir.appendingPathComponent("samples_ifeval.jsonl"), atomically: true, encoding: .utf8)
        let inst = try ItemScores.load(samples: dir, results: nil, ref: MetricRef("ifeval", "inst_level_strict_acc,none"))
        XCTAssertEqual(inst, ["ifeval#0#0": 1, "ifeval#0#1": 0, "ifeval#3#0": 1])
        let prompt = try ItemScores.load(samples: dir, results: nil, ref: MetricRef("ifeval", "prompt_level_strict_acc,none"))
        XCTAssertEqual(prompt, ["ifeval#0": 0, "ifeval#3": 1])
    }

    func testFiguresAreSelfContainedSVGWithAxesAndLegend() throws {
        let (ctx, root) = try sweep()
        let f2 = try XCTUnwrap(try Figure2.svg(ctx))
        XCTAssertTrue(f2.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertFalse(f2.contains("<script") || f2.contains("href"))
        XCTAssertEqual(f2.components(separatedBy: "<polyline").count - 1, 6)   // Rho-1, TF-IDF × 3 curves
        XCTAssertEqual(f2.components(separatedBy: "class=\"legend\"").count - 1, 2)
        for s in ["original (all tokens)", "important", "unimportant", "training step"] { XCTAssertTrue(f2.contains(s), s) }

        // Figure 3 from an η sweep of the synthetic runner.
        let spec = try ExperimentSpec.load(Fixtures.experiments.appendingPathComponent("eta.yaml"))
        var profile = try spec.profiles.profile("quick")
        profile.models[0].path = "tiny-model"
        let cells = try Grid.expand(spec, profile: profile).filter { $0.method.id != "llmlingua-2" }
        let store = ResultStore(root: root.appendingPathComponent("eta"))
        let ex = LocalExecutor(store: store, runner: SyntheticRunner(items: 10), locations: try Fixtures.locations(root), gitCommit: "t")
        ex.display = ProgressDisplay(total: cells.count, interactive: false, interval: 1e9, sink: { _ in })
        try ex.run(cells)
        let ctx3 = ReportContext(spec: spec, profile: profile, aggregation: try Aggregation.collect(cells: cells, store: store),
                                 paper: [:], store: store, cells: cells)
        let f3 = try XCTUnwrap(Figure3.svg(ctx3))
        XCTAssertEqual(f3.components(separatedBy: "<rect x=").count - 1, 2 * 6)  // Rho-1, TF-IDF × 6 η
        XCTAssertTrue(f3.contains("Baseline-SFT") && f3.contains("90th") && f3.contains("25th"))
        try f2.write(to: root.appendingPathComponent("figure2.svg"), atomically: true, encoding: .utf8)
        try f3.write(to: root.appendingPathComponent("figure3.svg"), atomically: true, encoding: .utf8)
        try ChromiumCheck.assertRenders(root.appendingPathComponent("figure2.svg"), width: 760, height: 350)
        try ChromiumCheck.assertRenders(root.appendingPathComponent("figure3.svg"), width: 380, height: 350)
    }
}

/// Headless Chromium renders an SVG: the DOM it parsed has the axes and the legend, and its
/// screenshot is far from blank (its PNG is several times larger than the screenshot of an empty
/// white SVG of the same size). Skips when chromium is absent (`apt-get install -y chromium`).
enum ChromiumCheck {
    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static func run(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func assertRenders(_ svg: URL, width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let exe = chromium() else { throw XCTSkip("chromium not installed (apt-get install -y chromium)") }
        let dom = try run(exe, ["--dump-dom", svg.absoluteString])
        XCTAssertTrue(dom.contains("class=\"axis\""), "axes in the rendered DOM", file: file, line: line)
        XCTAssertTrue(dom.contains("class=\"legend\""), "legend in the rendered DOM", file: file, line: line)
        let dir = svg.deletingLastPathComponent()
        let blank = dir.appendingPathComponent("blank.svg")
        try "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/></svg>"
            .write(to: blank, atomically: true, encoding: .utf8)
        func shot(_ u: URL, _ name: String) throws -> Int {
            let png = dir.appendingPathComponent(name)
            _ = try run(exe, ["--screenshot=\(png.path)", "--window-size=\(width),\(height)", u.absoluteString])
            let d = try Data(contentsOf: png)
            XCTAssertEqual(Array(d.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "PNG written", file: file, line: line)
            return d.count
        }
        let empty = try shot(blank, "blank.png"), drawn = try shot(svg, svg.lastPathComponent + ".png")
        XCTAssertGreaterThan(drawn, 4 * empty, "screenshot not blank (\(drawn) vs blank \(empty) bytes)", file: file, line: line)
    }
}

final class Table4Tests: XCTestCase {
    /// Table 4 from the λ-ablation spec: B-SFT, static and decaying λ columns hold the 8-column
    /// averages of the matching rows, beside the paper's row.
    func testStaticVersusDecayingLambda() throws {
        let root = try Fixtures.tempDir()
        let spec = try ExperimentSpec.load(Fixtures.experiments.appendingPathComponent("lambda.yaml"))
        var profile = try spec.profiles.profile("quick")
        profile.models[0].path = "tiny-model"
        let cells = try Grid.expand(spec, profile: profile)
        XCTAssertEqual(cells.map(\.id).filter { $0.hasSuffix(".s1") }, [
            "smollm2-135m-instruct.baseline-sft.s1", "smollm2-135m-instruct.llmlingua-2.eta70.lam0.9.s1",
            "smollm2-135m-instruct.llmlingua-2.eta70.lam0.9-0.01.s1"])
        // Pretend the classifier is present so every cell runs.
        let loc = try Fixtures.locations(root)
        try FileManager.default.createDirectory(at: loc.modelsDirectory.appendingPathComponent("llmlingua-2-xlm-roberta-large-meetingbank"),
                                                withIntermediateDirectories: true)
        let store = ResultStore(root: root.appendingPathComponent("store"))
        let ex = LocalExecutor(store: store, runner: SyntheticRunner(), locations: loc, gitCommit: "t")
        ex.display = ProgressDisplay(total: cells.count, interactive: false, interval: 1e9, sink: { _ in })
        XCTAssertEqual(try ex.run(cells).ran, 6)
        let agg = try Aggregation.collect(cells: cells, store: store, locations: loc)
        let ctx = ReportContext(spec: spec, profile: profile, aggregation: agg,
                                paper: try ReportContext.loadPaper(specFile: spec.file), store: store, cells: cells)
        let t = Table4.table(ctx)
        XCTAssertEqual(t.header, ["Model", "B-SFT", "Static", "Decaying"])
        let ours = t.sections[0].rows[0], paper = t.sections[0].rows[1]
        func avg(_ key: String) -> Double { Statistics.mean(agg.rows.first { $0.key == key }!.values("avg")) }
        XCTAssertEqual(ours[1].mean!, avg("smollm2-135m-instruct.baseline-sft"), accuracy: 1e-12)
        XCTAssertEqual(ours[2].mean!, avg("smollm2-135m-instruct.llmlingua-2.eta70.lam0.9"), accuracy: 1e-12)
        XCTAssertEqual(ours[3].mean!, avg("smollm2-135m-instruct.llmlingua-2.eta70.lam0.9-0.01"), accuracy: 1e-12)
        XCTAssertEqual(paper.map(\.text), ["paper: llama-3.2-3b", "40.55", "41.57", "41.95"])
    }
}
