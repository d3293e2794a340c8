import Checkpoints
import Foundation

/// A paired bootstrap over benchmark items: both models answered the same items, so resampling
/// items and recomputing the difference of means shows how much the Δ depends on which items the
/// benchmark happens to contain. A column with several components (TruthfulQA, IFEval) resamples
/// each component's items separately and averages, as the column itself is computed.
public enum PairedBootstrap {
    /// Items of one component, aligned: `method[i]` and `baseline[i]` are the same item (each the
    /// mean over seeds).
    public struct Component: Equatable {
        public var method: [Double]
        public var baseline: [Double]
        /// The component's share of the column (Avg. weighs each column 1/8 and each of a column's
        /// k metrics 1/k).
        public var weight: Double
        public init(method: [Double], baseline: [Double], weight: Double = 1) {
            precondition(method.count == baseline.count && !method.isEmpty)
            self.method = method
            self.baseline = baseline
            self.weight = weight
        }
    }

    public struct Outcome: Equatable {
        /// Δ on the full item sets, × 100 (the tables' scale).
        public var observed: Double
        public var low: Double
        public var high: Double
        /// Share of resamples with Δ ≤ 0 (a one-sided bootstrap p-value for "better").
        public var fractionNotBetter: Double
        public var resamples: Int
        public var items: Int
    }

    /// Percentile interval at `confidence` from `resamples` draws of a SplitMix64 seeded with `seed`.
    public static func run(_ comps: [Component], resamples: Int = 2000, seed: UInt64 = 20_250_617,
                           confidence: Double = 0.95) -> Outcome {
        precondition(!comps.isEmpty && resamples > 0)
        let diffs = comps.map { c in zip(c.method, c.baseline).map { $0 - $1 } }
        let weights = comps.map(\.weight), totalWeight = weights.reduce(0, +)
        func column(_ means: [Double]) -> Double {
            100 * zip(means, weights).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
        }
        let observed = column(diffs.map { Statistics.mean($0) })
        var rng = SplitMix64(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        var notBetter = 0
        for _ in 0..<resamples {
            var means: [Double] = []
            for d in diffs {
                var s = 0.0
                for _ in 0..<d.count { s += d[rng.below(d.count)] }
                means.append(s / Double(d.count))
            }
            let v = column(means)
            if v <= 0 { notBetter += 1 }
            draws.append(v)
        }
        draws.sort()
        let a = (1 - confidence) / 2
        return Outcome(observed: observed, low: quantile(draws, a), high: quantile(draws, 1 - a),
                       fractionNotBetter: Double(notBetter) / Double(resamples), resamples: resamples,
                       items: diffs.reduce(0) { $0 + $1.count })
    }

    /// Quantile of sorted values with linear interpolation between order statistics (numpy's default).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let pos = q * Double(sorted.count - 1)
        let i = Int(pos.rounded(.down)), f = pos - Double(i)
        return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
    }
}

/// Per-item scores of one cell, read from its samples folder (`samples_<label>.jsonl`, lm-eval's
/// `--log_samples` fields). A group label (mmlu) gathers its subtasks through the results JSON's
/// `group_subtasks`; items are keyed `<task label>#<doc_id>`.
public enum ItemScores {
    public static func load(samples: URL, results: JSONValue?, ref: MetricRef) throws -> [String: Double] {
        var out: [String: Double] = [:]
        var labels = [ref.task]
        var i = 0
        var leaves: [String] = []
        while i < labels.count {
            let l = labels[i]; i += 1
            if let subs = results?["group_subtasks"]?[l]?.arrayValue, !subs.isEmpty {
                labels += subs.compactMap(\.stringValue)
            } else { leaves.append(l) }
        }
        for l in leaves {
            let url = samples.appendingPathComponent("samples_\(l).jsonl")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            for (n, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
                let v: JSONValue
                do { v = try JSONValue.parse(String(line)) } catch {
                    throw SpecError(file: url.path, line: n + 1, field: "-", message: "\(error)")
                }
                // IFEval's instruction-level metrics are a list per prompt (one verdict per instruction, as
                // lm-eval logs them): each instruction is an item, as its aggregation flattens them.
                if let id = v["doc_id"]?.intValue, let list = v[ref.itemField]?.arrayValue {
                    for (j, e) in list.enumerated() {
                        guard let x = e.doubleValue else {
                            throw SpecError(file: url.path, line: n + 1, field: ref.itemField, message: "element \(j) is not a number")
                        }
                        out["\(l)#\(id)#\(j)"] = x
                    }
                    continue
                }
                guard let id = v["doc_id"]?.intValue, let x = v[ref.itemField]?.doubleValue else {
                    throw SpecError(file: url.path, line: n + 1, field: ref.itemField, message: "missing doc_id or metric")
                }
                out["\(l)#\(id)"] = x
            }
        }
        return out
    }
}
