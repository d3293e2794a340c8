import Checkpoints
import Foundation

/// One training step of the trainer's JSONL log (`steps.jsonl`): plain CE over all loss tokens and
/// over the important and unimportant groups.
public struct StepLoss: Equatable, Sendable {
    public var step: Int
    public var all: Double
    public var important: Double?
    public var unimportant: Double?

    /// Reads a steps.jsonl; a step logged twice (a resumed run repeats the step it was killed in)
    /// keeps its last line.
    public static func load(_ url: URL) throws -> [StepLoss] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw SpecError(file: url.path, field: "-", message: "cannot read step log")
        }
        var byStep: [Int: StepLoss] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let v: JSONValue
            do { v = try JSONValue.parse(String(line)) } catch {
                throw SpecError(file: url.path, line: n + 1, field: "-", message: "\(error)")
            }
            guard let step = v["step"]?.intValue, let all = v["ce_all"]?.doubleValue else {
                throw SpecError(file: url.path, line: n + 1, field: "step/ce_all", message: "missing")
            }
            byStep[step] = StepLoss(step: step, all: all, important: v["ce_imp"]?.doubleValue,
                                    unimportant: v["ce_unimp"]?.doubleValue)
        }
        return byStep.keys.sorted().map { byStep[$0]! }
    }
}

/// Figure 2: original (all tokens), important and unimportant token loss per step, one panel per
/// grouped method, each the mean over the seeds that logged the step.
public enum Figure2 {
    public static func svg(_ ctx: ReportContext) throws -> String? {
        var panels: [SVGPanel] = []
        for m in ctx.aggregation.models {
            for r in ctx.aggregation.rows(model: m.id) where r.method.grouping != nil {
                var sums: [Int: (a: Double, i: Double, u: Double, n: Double)] = [:]
                for (_, cell) in r.cells.sorted(by: { $0.key < $1.key }) {
                    let url = ctx.store.workDirectory(of: cell).appendingPathComponent("steps.jsonl")
                    guard FileManager.default.fileExists(atPath: url.path) else { continue }
                    for s in try StepLoss.load(url) {
                        guard let i = s.important, let u = s.unimportant else { continue }
                        let o = sums[s.step] ?? (0, 0, 0, 0)
                        sums[s.step] = (o.a + s.all, o.i + i, o.u + u, o.n + 1)
                    }
                }
                guard !sums.isEmpty else { continue }
                let steps = sums.keys.sorted()
                var p = SVGPanel(title: "\(ctx.rowLabel(r, showGrid: ctx.spec.kind != .main)) — \(m.label)",
                                 xLabel: "training step", yLabel: "cross-entropy loss")
                p.lines = [
                    .init(name: "original (all tokens)", color: "#1f77b4", points: steps.map { (Double($0), sums[$0]!.a / sums[$0]!.n) }),
                    .init(name: "important", color: "#ff7f0e", points: steps.map { (Double($0), sums[$0]!.i / sums[$0]!.n) }),
                    .init(name: "unimportant", color: "#2ca02c", points: steps.map { (Double($0), sums[$0]!.u / sums[$0]!.n) }),
                ]
                panels.append(p)
            }
        }
        guard !panels.isEmpty else { return nil }
        return SVGFigure.render(panels, caption: "Figure 2 (\(ctx.datasetLabel), profile \(ctx.profile.name)): loss per step from each cell's steps.jsonl, mean over seeds"
            + (ctx.aggregation.runner?.contains("synthetic") == true ? " — SYNTHETIC runner, invented curves." : "."))
    }
}
