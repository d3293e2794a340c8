// The η selector (§3.3): one rule turns any grouping function's scores into the important mask.
// t = numpy.percentile(scores, 100·η) (linear interpolation) over the scope's loss tokens, and a
// token is important iff score ≥ t. Equal scores therefore always land in the same group, η = 0
// marks every token and η = 1 only the top-scoring ties. η is SFT-GO's percentile: η = 0.9 keeps
// the top 10% — the inverse of Rho-1's "top k%" ratio.

/// Over which tokens the percentile is taken.
public enum SelectionScope: String, Sendable, CaseIterable {
    /// Each example's loss tokens on their own ("within a document", §5.3).
    case sequence
    /// All loss tokens of the batch pooled (Rho-1 ranks tokens per batch).
    case batch
}

public enum Selector {
    /// `numpy.percentile(values, q)` with the default method "linear", step for step as numpy 1.22+
    /// computes it: q/100, virtual index (n−1)·q, and numpy's `_lerp` (which interpolates from the
    /// upper neighbour when the fraction is ≥ ½), so the threshold has numpy's exact bits.
    public static func percentile(_ values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty, "percentile of no values")
        let a = values.sorted()
        let n = a.count
        let quantile = q / 100
        let virtual = Double(n - 1) * quantile
        let lowerIndex = virtual.rounded(.down)
        let gamma = virtual - lowerIndex
        let lo = min(max(Int(lowerIndex), 0), n - 1)
        let hi = min(lo + 1, n - 1)
        let x = a[lo], y = a[hi]
        let diff = y - x
        return gamma >= 0.5 ? y - diff * (1 - gamma) : x + diff * gamma
    }

    /// The important mask of one scope's scores.
    public static func important(_ scores: [Double], eta: Double) throws -> [Bool] {
        try check(eta)
        guard !scores.isEmpty else { return [] }
        let t = percentile(scores, 100 * eta)
        return scores.map { $0 >= t }
    }

    /// The important masks of several examples' scores under `scope`.
    public static func important(_ scores: [[Double]], eta: Double, scope: SelectionScope) throws -> [[Bool]] {
        try check(eta)
        switch scope {
        case .sequence:
            return try scores.map { try important($0, eta: eta) }
        case .batch:
            let flat = scores.flatMap { $0 }
            guard !flat.isEmpty else { return scores.map { _ in [] } }
            let t = percentile(flat, 100 * eta)
            return scores.map { $0.map { $0 >= t } }
        }
    }

    /// Batch scope over a data set: consecutive runs of `batchSize` examples pooled (the static
    /// approximation of per-batch selection; dynamic per-batch selection happens in the trainer).
    public static func important(_ scores: [[Double]], eta: Double, scope: SelectionScope,
                                 batchSize: Int) throws -> [[Bool]] {
        guard scope == .batch else { return try important(scores, eta: eta, scope: scope) }
        precondition(batchSize > 0, "batch size must be positive")
        var out: [[Bool]] = []
        out.reserveCapacity(scores.count)
        var start = 0
        while start < scores.count {
            let end = min(start + batchSize, scores.count)
            out += try important(Array(scores[start..<end]), eta: eta, scope: .batch)
            start = end
        }
        return out
    }

    static func check(_ eta: Double) throws {
        guard eta >= 0, eta <= 1 else { throw GroupingError.invalidEta(eta) }
    }
}
