import Checkpoints
import Foundation

/// Tables 1 and 2 (and the extended table of the objectives issue's methods): method rows per base
/// model; MMLU:0, MMLU:5, MathQA, ARC-C, OpenBookQA, HellaSwag, TruthfulQA, IFEval, Avg.; mean ±
/// std over seeds; best per column in bold. Beside them the paper's numbers and the difference.
public enum MainTables {
    static let avgColumn = "avg"
    static var header: [String] { ["Method"] + Columns.main.map(\.header) + ["Avg."] }
    static var columnIDs: [String] { Columns.main.map(\.id) + [avgColumn] }

    /// The table of `rows` (grouped by model), numbered like the paper when `number` is given.
    public static func table(_ ctx: ReportContext, id: String, title: String, extended: Bool) -> TableModel {
        let planned = ctx.profile.seeds.count
        let showGrid = ctx.spec.kind != .main
        var sections: [TableModel.Section] = []
        var used: [Aggregation.Row] = []
        for m in ctx.aggregation.models {
            let rows = ctx.aggregation.rows(model: m.id).filter { $0.method.extended == extended || ($0.method.objective == .sft && extended) }
            guard !rows.isEmpty else { continue }
            used += rows
            sections.append(TableModel.Section(title: m.label, rows: rows.map { r in
                [.label(ctx.rowLabel(r, showGrid: showGrid))]
                    + columnIDs.map { TableModel.meanStd(r.values($0), planned: planned, kind: ctx.stdKind) }
            }))
        }
        var t = TableModel(id: id, title: title,
                           caption: ctx.caption(columns: Columns.main,
                                                extra: "Avg. = mean of the eight columns (MMLU counted twice). Best per column within a model in bold."),
                           header: header, sections: sections)
        t.boldBest(columns: 1..<header.count)
        t.notes = ctx.rowNotes(used, columns: columnIDs)
        return t
    }

    /// The paper's table for the models ours correspond to (`settings_from`), then ours − paper.
    public static func paperBeside(_ ctx: ReportContext, number: Int) -> [TableModel] {
        guard let paper = ctx.paper[number] else { return [] }
        var pub: [TableModel.Section] = [], diff: [TableModel.Section] = []
        for m in ctx.aggregation.models {
            guard let rows = paper.values[""]?[m.settingsFrom] else { continue }
            var pubRows: [[TableModel.Entry]] = [], diffRows: [[TableModel.Entry]] = []
            for method in ctx.spec.methods where !method.extended {
                guard let p = rows[method.id] else { continue }
                pubRows.append([.label(method.label)] + p.map(TableModel.published))
                let ours = ctx.aggregation.rows(model: m.id).first { $0.method.id == method.id }
                diffRows.append([.label(method.label)] + zip(columnIDs, p).map { col, pv in
                    guard let v = ours?.values(col), !v.isEmpty else { return .none }
                    return TableModel.signed(Statistics.mean(v) - pv.mean)
                })
            }
            pub.append(TableModel.Section(title: m.settingsFrom == m.id ? m.label : "paper's \(m.settingsFrom) (beside our \(m.label))",
                                          rows: pubRows))
            diff.append(TableModel.Section(title: "\(m.label) − paper's \(m.settingsFrom)", rows: diffRows))
        }
        guard !pub.isEmpty else { return [] }
        var p = TableModel(id: "paper-table\(number)", title: "Table \(number) as published",
                           caption: "Transcribed from the paper (experiments/paper/table\(number).yaml); mean ± std over 5 seeds, std kind not stated in the paper. "
                               + paper.caption, header: header, sections: pub)
        p.boldBest(columns: 1..<header.count)
        let d = TableModel(id: "diff-table\(number)", title: "Table \(number): ours − paper (means)",
                           caption: "Our mean minus the paper's mean, per column."
                               + (ctx.profile.models.contains { $0.settingsFrom != $0.id }
                                  ? " Our base model differs from the paper's, so this shows scale, not agreement." : ""),
                           header: header, sections: diff)
        return [p, d]
    }
}
