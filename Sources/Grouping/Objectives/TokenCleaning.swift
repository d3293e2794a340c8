// Token Cleaning (arXiv 2502.01968): a token's influence is the drop of its loss from the base model
// to a reference model fine-tuned on good data, CE(base) − CE(reference); the global top-k% tokens
// of the whole data set are kept and trained with CE averaged over the kept ones. The scores are a
// static grouping function (global scope: one percentile over every loss token, η = 1 − k), the
// objective reads the resulting mask from the batch.

import Training

public struct TokenCleaningGrouping: GroupingFunction {
    public let base: ReferenceLosses
    public let reference: ReferenceLosses

    public init(base: ReferenceLosses, reference: ReferenceLosses) {
        self.base = base
        self.reference = reference
    }

    public var name: String { "token-cleaning" }
    /// Global: the CLI pools all examples (batch scope with the whole data set as the batch).
    public var defaultScope: SelectionScope { .batch }
    public var settings: [String: String] { ["base": base.modelHash, "reference": reference.modelHash] }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        try examples.map { e in
            try (0..<e.lossCount).map { k in
                Double(try base.loss(example: e.index, token: k)) - Double(try reference.loss(example: e.index, token: k))
            }
        }
    }
}

/// CE averaged over the tokens the precomputed mask keeps (`important`).
public struct TokenCleaningWeights: TokenWeightFunction {
    public init() {}
    public var name: String { "token-cleaning" }
    public var needsEntropy: Bool { false }
    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        SelectedCE.weights(losses: batch.losses, selected: batch.important)
    }
}
