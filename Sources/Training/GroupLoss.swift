import Foundation

/// Which group the max of Eq. 4 picked.
public enum WorseGroup: String, Sendable {
    case important, unimportant
}

/// The SFT-GO loss (paper Eq. 3–4) over one set of loss tokens:
/// `L = (1−λ)·S_all/N_all + λ·S_k/N_k`, k the group with the larger mean CE. Its gradient is plain
/// CE with the detached per-token weight `(1−λ)/N_all + λ·[t∈G_k]/N_k`, which is what `weights`
/// holds (the max picks a group, it does not flow gradient through the choice).
///
/// Defined edge cases: a group with no tokens has no mean, so the max falls back to the other group
/// (`fellBack`); a tie picks the important group (as `max` over [CE_imp, CE_unimp] returns the first);
/// λ = 0 gives exactly SFT's 1/N_all weights; λ = 1 trains only the worse group.
public struct GroupLoss: Equatable {
    public var lambda: Double
    public var sumAll = 0.0, sumImportant = 0.0, sumUnimportant = 0.0
    public var countAll = 0, countImportant = 0, countUnimportant = 0
    public var worse: WorseGroup = .important
    public var fellBack = false
    public var loss = 0.0
    public var weights: [Float] = []

    public var ceAll: Double { countAll > 0 ? sumAll / Double(countAll) : .nan }
    public var ceImportant: Double { countImportant > 0 ? sumImportant / Double(countImportant) : .nan }
    public var ceUnimportant: Double { countUnimportant > 0 ? sumUnimportant / Double(countUnimportant) : .nan }

    /// Sums in Double in token order, so the result does not depend on how tokens were split into
    /// micro-batches.
    public init(losses: [Float], important: [Bool], lambda: Double) {
        precondition(losses.count == important.count, "one important flag per loss token")
        self.lambda = lambda
        for (l, imp) in zip(losses, important) {
            let x = Double(l)
            sumAll += x; countAll += 1
            if imp { sumImportant += x; countImportant += 1 } else { sumUnimportant += x; countUnimportant += 1 }
        }
        guard countAll > 0 else { return }
        if countImportant == 0 { worse = .unimportant; fellBack = true }
        else if countUnimportant == 0 { worse = .important; fellBack = true }
        else { worse = ceImportant >= ceUnimportant ? .important : .unimportant }
        let (sk, nk) = worse == .important ? (sumImportant, countImportant) : (sumUnimportant, countUnimportant)
        loss = (1 - lambda) * sumAll / Double(countAll) + lambda * sk / Double(nk)
        let base = (1 - lambda) / Double(countAll)
        let extra = lambda / Double(nk)
        let inK = Float(base + extra), outK = Float(base)
        weights = important.map { ($0 == (worse == .important)) ? inK : outK }
    }

    /// The step-log entries: ce_all, ce_imp, ce_unimp (NaN → absent), worse group, fallback, λ.
    public var log: [String: Double] {
        var d: [String: Double] = ["ce_all": ceAll, "lambda": lambda,
                                   "worse_important": worse == .important ? 1 : 0,
                                   "group_fallback": fellBack ? 1 : 0,
                                   "n_all": Double(countAll), "n_imp": Double(countImportant)]
        if countImportant > 0 { d["ce_imp"] = ceImportant }
        if countUnimportant > 0 { d["ce_unimp"] = ceUnimportant }
        return d
    }
}
