import Checkpoints
import Foundation

/// Table 4: LLMLingua-2 with a static λ against a decaying one (0.9 → 0.01) beside Baseline-SFT,
/// the 8-column average per base model; the paper's row beside ours.
public enum Table4 {
    public static func table(_ ctx: ReportContext) -> TableModel {
        let planned = ctx.profile.seeds.count
        let header = ["Model", "B-SFT", "Static", "Decaying"]
        var rows: [[TableModel.Entry]] = []
        for m in ctx.aggregation.models {
            let rs = ctx.aggregation.rows(model: m.id)
            let base = rs.first { $0.method.objective == .sft }
            let stat = rs.first { $0.method.objective == .go && $0.lambda?.isStatic == true }
            let dec = rs.first { $0.method.objective == .go && $0.lambda?.isStatic == false }
            rows.append([.label(m.label)] + [base, stat, dec].map {
                TableModel.meanStd($0?.values("avg") ?? [], planned: planned, kind: ctx.stdKind)
            })
            if let p = ctx.paper[4]?.values[""]?[m.settingsFrom]?[""] {
                rows.append([.label("paper: \(m.settingsFrom)")] + p.map(TableModel.published))
            }
        }
        let lambdas = ctx.aggregation.rows.compactMap(\.lambda).map(\.label)
        var t = TableModel(id: "table4", title: "Table 4: LLMLingua-2, static vs decaying λ (\(ctx.datasetLabel))",
                           caption: ctx.caption(columns: Columns.main,
                                                extra: "Values are the 8-column Avg.; λ values in this run: \(Array(Set(lambdas)).sorted().joined(separator: ", ")). Paper row from experiments/paper/table4.yaml."),
                           header: header, sections: [TableModel.Section(title: nil, rows: rows)])
        t.notes = ctx.rowNotes(ctx.aggregation.rows, columns: ["avg"])
        return t
    }
}
