import Checkpoints
import Foundation

/// Beyond the paper: each method against Baseline-SFT of the same model, per column — the paired
/// per-seed Δ with its 95% t-interval and p-value, the paired bootstrap over benchmark items, and
/// a plain verdict on whether the improvement stands out from seed noise.
public enum StatisticsTable {
    public static func table(_ ctx: ReportContext, resamples: Int = 2000) throws -> TableModel {
        let header = ["Method", "Column", "Seeds", "Δ mean", "95% t-interval", "p (paired t)", "Seed-noise verdict",
                      "Item bootstrap 95%", "Share Δ ≤ 0"]
        var cache: [String: [String: Double]] = [:]
        func items(_ cell: String, _ ref: MetricRef) throws -> [String: Double] {
            let key = cell + "|" + ref.task + "|" + ref.metric
            if let c = cache[key] { return c }
            let v = try ItemScores.load(samples: ctx.store.samplesDirectory(of: cell), results: try ctx.store.results(cell), ref: ref)
            cache[key] = v
            return v
        }
        let columns: [(String, String, [(MetricRef, Double)])] =
            Columns.main.map { c in (c.id, c.header, c.components.map { ($0, 1.0 / Double(c.components.count)) }) }
            + [("avg", "Avg.", Columns.main.flatMap { c in c.components.map { ($0, 1.0 / Double(8 * c.components.count)) } })]
        var sections: [TableModel.Section] = []
        for m in ctx.aggregation.models {
            let rows = ctx.aggregation.rows(model: m.id)
            guard let base = rows.first(where: { $0.method.objective == .sft }) else { continue }
            var out: [[TableModel.Entry]] = []
            for r in rows where r.key != base.key {
                for (colID, colName, comps) in columns {
                    let mv = r.values[colID] ?? [:], bv = base.values[colID] ?? [:]
                    guard let pc = PairedComparison(method: mv, baseline: bv) else { continue }
                    var row: [TableModel.Entry] = [.label(ctx.rowLabel(r, showGrid: ctx.spec.kind != .main)), .label(colName),
                                                   .label("\(pc.seeds.count)"), TableModel.signed(pc.meanDelta)]
                    row.append(.label(pc.low.map { String(format: "[%+.2f, %+.2f]", $0, pc.high!) } ?? "—"))
                    row.append(.label(pc.pValue.map { String(format: "%.3f", $0) } ?? "—"))
                    row.append(.label(pc.verdict.rawValue))
                    // Paired bootstrap over the items both models answered on every shared seed.
                    var bc: [PairedBootstrap.Component] = []
                    var complete = true
                    for (ref, w) in comps {
                        var a: [String: [Double]] = [:], b: [String: [Double]] = [:]
                        for s in pc.seeds {
                            guard let mc = r.cells[s], let bcID = base.cells[s] else { complete = false; break }
                            for (k, v) in try items(mc, ref) { a[k, default: []].append(v) }
                            for (k, v) in try items(bcID, ref) { b[k, default: []].append(v) }
                        }
                        let keys = a.keys.filter { a[$0]!.count == pc.seeds.count && b[$0]?.count == pc.seeds.count }.sorted()
                        guard !keys.isEmpty else { complete = false; break }
                        bc.append(PairedBootstrap.Component(method: keys.map { Statistics.mean(a[$0]!) },
                                                            baseline: keys.map { Statistics.mean(b[$0]!) }, weight: w))
                    }
                    if complete && !bc.isEmpty {
                        let o = PairedBootstrap.run(bc, resamples: resamples)
                        row.append(.label(String(format: "[%+.2f, %+.2f] (%d items)", o.low, o.high, o.items)))
                        row.append(.label(String(format: "%.3f", o.fractionNotBetter)))
                    } else {
                        row += [.label("no per-item logs"), .label("—")]
                    }
                    out.append(row)
                }
            }
            sections.append(TableModel.Section(title: m.label, rows: out))
        }
        return TableModel(id: "statistics", title: "Paired statistics against Baseline-SFT (\(ctx.datasetLabel))",
                          caption: ctx.caption(columns: [], extra:
                            "Δ = method − Baseline-SFT on the same seed, × 100. 95% t-interval: mean Δ ± t(0.975, n−1)·s/√n with s the sample std of the per-seed Δ; p from the paired t-test. Verdict: 'better/worse beyond seed noise' when the t-interval excludes 0. Item bootstrap: \(resamples) resamples (SplitMix64, seed 20250617) of the benchmark items both models answered, item scores averaged over seeds; percentile interval; 'Share Δ ≤ 0' is the fraction of resamples without an improvement."),
                          header: header, sections: sections)
    }
}
