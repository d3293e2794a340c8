import Checkpoints
import Foundation

/// Tables 5–8: TruthfulQA (BLEU, ROUGE1, ROUGE2, ROUGEL, MC1, MC2, Avg.) and IFEval (instruction /
/// prompt level × loose / strict, Avg.) sub-scores, rows "Method, Base" as in the paper.
public enum SubscoreTables {
    public enum Kind { case truthfulqa, ifeval }

    public static func table(_ ctx: ReportContext, kind: Kind, number: Int?) -> TableModel {
        let planned = ctx.profile.seeds.count
        let cols = kind == .truthfulqa ? Columns.truthfulSub : Columns.ifevalSub
        let avg = kind == .truthfulqa ? Columns.truthfulqa.id : Columns.ifeval.id
        let ids = cols.map(\.id) + [avg]
        let header = ["Method", "Base"] + cols.map(\.header) + ["Avg."]
        var sections: [TableModel.Section] = []
        for m in ctx.aggregation.models {
            let rows = ctx.aggregation.rows(model: m.id)
            sections.append(TableModel.Section(title: nil, rows: rows.map { r in
                [.label(ctx.rowLabel(r, showGrid: ctx.spec.kind != .main)), .label(m.label)]
                    + ids.map { TableModel.meanStd(r.values($0), planned: planned, kind: ctx.stdKind) }
            }))
            if let n = number, let p = ctx.paper[n]?.values[""]?[m.settingsFrom] {
                sections.append(TableModel.Section(title: "paper, Table \(n): \(m.settingsFrom)", rows:
                    ctx.spec.methods.compactMap { meth in
                        p[meth.id].map { [.label(meth.label), .label(m.settingsFrom)] + $0.map(TableModel.published) }
                    }))
            }
        }
        let name = kind == .truthfulqa ? "TruthfulQA" : "IFEval"
        let title = (number.map { "Table \($0): " } ?? "") + "\(name) sub-scores (\(ctx.datasetLabel))"
        var t = TableModel(id: number.map { "table\($0)" } ?? "subscores-\(name.lowercased())", title: title,
                           caption: ctx.caption(columns: cols, extra: "Avg. = mean of the \(cols.count) sub-scores (the \(name) column of Table 1/2)."),
                           header: header, sections: sections)
        t.boldBest(columns: 2..<header.count)
        return t
    }
}
