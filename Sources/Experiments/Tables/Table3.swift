import Checkpoints
import Foundation

/// Table 3: SS-B (mean of MMLU:0, MMLU:5, MathQA, ARC-C, OpenBookQA) and GR-B (mean of HellaSwag,
/// TruthfulQA, IFEval) per method, with a Δ row to Baseline-SFT under each method; this
/// experiment's data set half, with the paper's numbers beside.
public enum Table3 {
    public static func table(_ ctx: ReportContext) -> TableModel {
        let planned = ctx.profile.seeds.count
        let paper = ctx.paper[3]
        var header = ["Method"]
        var sections: [TableModel.Section] = []
        for m in ctx.aggregation.models {
            header += ["\(m.label) SS-B", "GR-B"]
        }
        if paper != nil { for m in ctx.aggregation.models { header += ["paper \(m.settingsFrom) SS-B", "GR-B"] } }
        var rows: [[TableModel.Entry]] = []
        for method in ctx.spec.methods where !method.extended {
            var row: [TableModel.Entry] = [.label(method.label)]
            var delta: [TableModel.Entry] = [.label("Δ")]
            for m in ctx.aggregation.models {
                let r = ctx.aggregation.rows(model: m.id).first { $0.method.id == method.id }
                let base = ctx.aggregation.rows(model: m.id).first { $0.method.objective == .sft }
                for col in ["ssb", "grb"] {
                    let v = r?.values(col) ?? []
                    row.append(TableModel.meanStd(v, planned: planned, kind: ctx.stdKind))
                    if let b = base?.values(col), !b.isEmpty, !v.isEmpty {
                        delta.append(TableModel.signed(Statistics.mean(v) - Statistics.mean(b)))
                    } else { delta.append(.none) }
                }
            }
            if let paper {
                for m in ctx.aggregation.models {
                    let p = paper.row(dataset: ctx.spec.dataset, model: m.settingsFrom, method: method.id)
                    let base = paper.row(dataset: ctx.spec.dataset, model: m.settingsFrom, method: "baseline-sft")
                    for i in 0..<2 {
                        row.append(p.map { TableModel.published($0[i]) } ?? .none)
                        if let p, let base { delta.append(TableModel.signed(p[i].mean - base[i].mean)) } else { delta.append(.none) }
                    }
                }
            }
            rows.append(row)
            if method.objective != .sft { rows.append(delta) }
        }
        sections.append(TableModel.Section(title: nil, rows: rows))
        return TableModel(id: "table3-\(ctx.spec.dataset)", title: "Table 3 (\(ctx.datasetLabel) half): SS-B and GR-B",
                          caption: ctx.caption(columns: Columns.subjectSpecific + Columns.generalReasoning,
                                               extra: "SS-B = mean of MMLU:0, MMLU:5, MathQA, ARC-C, OpenBookQA; GR-B = mean of HellaSwag, TruthfulQA, IFEval; Δ = method − Baseline-SFT (difference of means). Paper columns from experiments/paper/table3.yaml."),
                          header: header, sections: sections)
    }
}
