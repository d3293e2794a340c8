import Foundation

/// Everything the weight seam sees for one optimiser batch (all micro-batches, or one micro-batch in
/// the per-micro-batch variant), loss tokens in order (example by example, position by position).
public struct TokenBatchView {
    public var losses: [Float]          // CE of each loss token under the current model θ
    public var probs: [Float]           // p(target)
    public var entropies: [Float]?      // when the weight function asks for them
    public var important: [Bool]        // the important mask (precomputed, seeded random, or all false)
    public var exampleIndex: [Int]      // dataset index of the example each token belongs to
    public var tokenIndex: [Int]        // index of the token among that example's loss tokens (0-based)
    public var targetIds: [Int]
    public var step: Int                // optimiser step (0-based)
    public var totalSteps: Int

    public init(losses: [Float], probs: [Float], entropies: [Float]?, important: [Bool], exampleIndex: [Int],
                tokenIndex: [Int], targetIds: [Int], step: Int, totalSteps: Int) {
        self.losses = losses; self.probs = probs; self.entropies = entropies; self.important = important
        self.exampleIndex = exampleIndex; self.tokenIndex = tokenIndex; self.targetIds = targetIds
        self.step = step; self.totalSteps = totalSteps
    }
    public var count: Int { losses.count }
}

/// Detached per-token weights w (the step minimises Σ w_i·loss_i, i.e. dL/dloss_i = w_i), the
/// reported loss value and named quantities for the step log.
public struct TokenWeights {
    public var weights: [Float]
    public var loss: Double
    public var log: [String: Double]
    public init(weights: [Float], loss: Double, log: [String: Double]) {
        self.weights = weights; self.loss = loss; self.log = log
    }
}

/// The seam every objective plugs into: SFT and GO here; Rho-1, DFT, EAFT, token cleaning in Grouping.
public protocol TokenWeightFunction {
    var name: String { get }
    var needsEntropy: Bool { get }
    func weights(_ batch: TokenBatchView) -> TokenWeights
}

/// Plain SFT: the token mean of CE over the batch, w = 1/N.
public struct SFTWeights: TokenWeightFunction {
    public init() {}
    public var name: String { "sft" }
    public var needsEntropy: Bool { false }
    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        // The GO loss at λ = 0 is SFT by definition; one code path keeps them bit-identical.
        let g = GroupLoss(losses: batch.losses, important: batch.important, lambda: 0)
        return TokenWeights(weights: g.weights, loss: g.loss, log: g.log)
    }
}

/// SFT-GO (Eq. 3–5): the group loss with λ from the schedule at this step.
public struct GOWeights: TokenWeightFunction {
    public var schedule: LambdaSchedule
    public init(schedule: LambdaSchedule) { self.schedule = schedule }
    public var name: String { "go" }
    public var needsEntropy: Bool { false }
    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        let lambda = schedule.value(step: batch.step, totalSteps: batch.totalSteps)
        let g = GroupLoss(losses: batch.losses, important: batch.important, lambda: lambda)
        return TokenWeights(weights: g.weights, loss: g.loss, log: g.log)
    }
}
