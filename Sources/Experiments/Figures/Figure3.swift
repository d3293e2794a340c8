import Checkpoints
import Foundation

/// Figure 3: the 8-column average against η, one bar per grouped method at each η, ± std over
/// seeds as error bars, Baseline-SFT as a dashed line; one panel per base model.
public enum Figure3 {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]

    public static func svg(_ ctx: ReportContext) -> String? {
        var panels: [SVGPanel] = []
        for m in ctx.aggregation.models {
            let rows = ctx.aggregation.rows(model: m.id)
            let etas = Array(Set(rows.compactMap(\.eta))).sorted()
            guard !etas.isEmpty else { continue }
            var p = SVGPanel(title: m.label, xLabel: "η (percentile: top 1 − η of tokens important)", yLabel: "average score (8 columns)")
            p.groups = etas.map { String(format: "%gth", $0 * 100) }
            var methods: [String] = []
            for r in rows where r.eta != nil && !methods.contains(r.method.label) { methods.append(r.method.label) }
            for r in rows {
                guard let e = r.eta else { continue }
                let v = r.values("avg")
                guard !v.isEmpty else { continue }
                let color = palette[(methods.firstIndex(of: r.method.label) ?? 0) % palette.count]
                p.bars.append(.init(group: String(format: "%gth", e * 100), series: r.method.label, color: color,
                                    value: Statistics.mean(v), error: Statistics.std(v, kind: ctx.stdKind)))
            }
            if let b = rows.first(where: { $0.method.objective == .sft }), !b.values("avg").isEmpty {
                p.reference = ("Baseline-SFT", Statistics.mean(b.values("avg")), "#555555")
            }
            if !p.bars.isEmpty { panels.append(p) }
        }
        guard !panels.isEmpty else { return nil }
        return SVGFigure.render(panels, caption: "Figure 3 (\(ctx.datasetLabel), profile \(ctx.profile.name)): mean ± \(ctx.stdKind.rawValue) std over seeds"
            + (ctx.aggregation.runner?.contains("synthetic") == true ? " — SYNTHETIC runner, invented numbers." : "."))
    }
}
