import Foundation

/// Which TruthfulQA MC2 rule: lm-eval ≤ 0.4.8 (task v2.0, true = answers before the first label 0)
/// or ≥ 0.4.9 (task v3.0, true = answers labelled 1).
public enum MC2Variant: String, Sendable, Codable { case v2, v3 }

/// lm-eval 0.4.8's multiple-choice metrics and aggregations, in its float64 order of operations.
public enum Metrics {
    /// `np.argmax`: the first maximum; a NaN counts as the maximum (its first occurrence wins).
    public static func argmax(_ xs: [Double]) -> Int {
        guard !xs.isEmpty else { return -1 }
        var best = 0
        if xs[0].isNaN { return 0 }
        for i in 1..<xs.count {
            if xs[i].isNaN { return i }
            if xs[i] > xs[best] { best = i }
        }
        return best
    }

    /// acc: 1 when the highest log-likelihood is the gold one (ties to the first choice).
    public static func acc(lls: [Double], gold: Int) -> Double {
        argmax(lls) == gold ? 1 : 0
    }

    /// acc_norm's prediction: argmax of ll / len(choice), len in code points, float64 division.
    public static func normalizedPrediction(lls: [Double], choices: [String]) -> Int {
        argmax(zip(lls, choices).map { $0 / Double(PyString.length($1)) })
    }

    public static func accNorm(lls: [Double], choices: [String], gold: Int) -> Double {
        normalizedPrediction(lls: lls, choices: choices) == gold ? 1 : 0
    }

    /// TruthfulQA MC2 (`truthfulqa/utils.py process_results_mc2`), NaN when every probability
    /// underflows (as lm-eval would give).
    public static func mc2(lls: [Double], labels: [Int], variant: MC2Variant) -> Double {
        let p = lls.map { exp($0) }
        switch variant {
        case .v2:
            // split at the first 0; Z = Σ_true p + Σ_false p (Python sum, left to right);
            // result = Σ over true of p_i / Z, left to right.
            let split = min(labels.firstIndex(of: 0) ?? labels.count, p.count)
            var sumTrue = 0.0, sumFalse = 0.0
            for i in 0..<split { sumTrue += p[i] }
            for i in split..<p.count { sumFalse += p[i] }
            let z = sumTrue + sumFalse
            var r = 0.0
            for i in 0..<split { r += p[i] / z }
            return r
        case .v3:
            // probs / np.sum(probs), then np.sum of those labelled 1 (numpy pairwise sums).
            let z = numpySum(p)
            let norm = p.map { $0 / z }
            return numpySum(zip(norm, labels).filter { $0.1 == 1 }.map(\.0))
        }
    }

    /// numpy's float64 `sum` for a contiguous 1-D array of at most 128 elements: a plain loop
    /// below 8, otherwise eight running partial sums combined pairwise, then the remainder.
    static func numpySum(_ a: [Double]) -> Double {
        let n = a.count
        if n < 8 {
            var r = 0.0
            for x in a { r += x }
            return r
        }
        if n > 128 {
            let half = (n / 2) - (n / 2) % 8
            return numpySum(Array(a[0..<half])) + numpySum(Array(a[half...]))
        }
        var r = Array(a[0..<8])
        var i = 8
        while i < n - n % 8 {
            for j in 0..<8 { r[j] += a[i + j] }
            i += 8
        }
        var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n { res += a[i]; i += 1 }
        return res
    }

    /// lm-eval `mean`: Python `sum(arr) / len(arr)` (left to right).
    public static func mean(_ xs: [Double]) -> Double {
        var s = 0.0
        for x in xs { s += x }
        return s / Double(xs.count)
    }

    /// lm-eval `mean_stderr`: sample standard deviation (n − 1) / √n; nil ("N/A") when n ≤ 1.
    public static func meanStderr(_ xs: [Double]) -> Double? {
        guard xs.count > 1 else { return nil }
        let mu = mean(xs)
        var s = 0.0
        for x in xs { s += (x - mu) * (x - mu) }
        return (s / Double(xs.count - 1)).squareRoot() / Double(xs.count).squareRoot()
    }

    /// lm-eval `aggregate_subtask_metrics`: Σ metric·size / Σ size (or the plain mean).
    public static func weightedMean(_ metrics: [Double], sizes: [Int], weightBySize: Bool) -> Double {
        let w = weightBySize ? sizes : Array(repeating: 1, count: sizes.count)
        var num = 0.0
        var den = 0
        for (m, s) in zip(metrics, w) { num += m * Double(s) }
        for s in w { den += s }
        return num / Double(den)
    }

    /// lm-eval `pooled_sample_stderr`: sqrt( Σ (nₖ−1)·seₖ²·nₖ / (Σn − K) / Σn ).
    public static func pooledStderr(_ stderrs: [Double], sizes: [Int]) -> Double {
        var v = 0.0
        for (se, n) in zip(stderrs, sizes) {
            // Python evaluates (size - 1) * stderr**2 * size left to right.
            v += Double(n - 1) * (se * se) * Double(n)
        }
        let total = sizes.reduce(0, +)
        let pooledVar = v / Double(total - sizes.count)
        return (pooledVar / Double(total)).squareRoot()
    }
}
