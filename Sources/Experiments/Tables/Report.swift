import Foundation
import Checkpoints

/// All tables of one experiment, in the paper's order: the main experiment gives Table 1 or 2,
/// the paper's numbers and the difference, the extended table, Table 3's half, the sub-score
/// tables and the paired statistics; the λ ablation gives Table 4; the η sweep its table.
public enum Report {
    public static func tables(_ ctx: ReportContext, bootstrapResamples: Int = 2000) throws -> [TableModel] {
        var out: [TableModel] = []
        let number = ctx.spec.paperTables.first
        switch ctx.spec.kind {
        case .main:
            out.append(MainTables.table(ctx, id: number.map { "table\($0)" } ?? "main",
                                        title: (number.map { "Table \($0): " } ?? "") + ctx.spec.title, extended: false))
            if let n = number { out += MainTables.paperBeside(ctx, number: n) }
            if ctx.spec.methods.contains(where: \.extended) {
                out.append(MainTables.table(ctx, id: "extended", title: "Extended table: other token-weighting objectives, same seeds and benchmarks",
                                            extended: true))
            }
            out.append(Table3.table(ctx))
            let lima = ctx.spec.dataset == "lima"
            out.append(SubscoreTables.table(ctx, kind: .truthfulqa, number: ctx.spec.paperTables.contains(1) ? 5 : lima ? nil : 7))
            out.append(SubscoreTables.table(ctx, kind: .ifeval, number: ctx.spec.paperTables.contains(1) ? 6 : lima ? nil : 8))
        case .lambdaAblation:
            out.append(Table4.table(ctx))
        case .etaSweep:
            out.append(MainTables.table(ctx, id: "eta-sweep", title: ctx.spec.title, extended: false))
        }
        out.append(try StatisticsTable.table(ctx, resamples: bootstrapResamples))
        return out
    }

    public static func render(_ tables: [TableModel], format: TableModel.Format) -> String {
        switch format {
        case .markdown: return tables.map { $0.markdown() }.joined(separator: "\n")
        case .csv: return tables.map { $0.csv() }.joined(separator: "\n")
        case .json: return JSONValue.array(tables.map { $0.json() }).serialized(indent: 2) + "\n"
        }
    }
}
