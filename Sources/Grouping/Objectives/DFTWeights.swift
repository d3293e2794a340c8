// Dynamic Fine-Tuning (arXiv 2508.05629; TRL `SFTConfig(loss_type="dft")`, LLaMA-Factory
// `use_dft_loss: true`): CE of each token weighted by its detached probability p(target), summed and
// divided by the number of loss tokens (TRL divides by num_items_in_batch, the same count).
// L = (1/N) Σ sg(p_i)·CE_i, so dL/dCE_i = p_i/N.

import Training

public struct DFTWeights: TokenWeightFunction {
    public init() {}
    public var name: String { "dft" }
    public var needsEntropy: Bool { false }

    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        let n = Double(batch.count)
        guard batch.count > 0 else { return TokenWeights(weights: [], loss: 0, log: ["n_all": 0]) }
        var loss = 0.0, ce = 0.0, pMean = 0.0
        var w = [Float](repeating: 0, count: batch.count)
        for i in 0..<batch.count {
            let p = Double(batch.probs[i])
            w[i] = Float(p / n)
            loss += p * Double(batch.losses[i])
            ce += Double(batch.losses[i])
            pMean += p
        }
        return TokenWeights(weights: w, loss: loss / n, log: ["ce_all": ce / n, "p_mean": pMean / n, "n_all": n])
    }
}
