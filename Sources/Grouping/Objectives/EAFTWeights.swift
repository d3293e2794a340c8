// Entropy-Adaptive Fine-Tuning (arXiv 2601.02151; LLaMA-Factory `use_eaft_loss: true`,
// `eaft_alpha`): CE of each token weighted by its detached top-k entropy to the power α, summed and
// divided by the number of loss tokens. The engine reports H/ln k (the paper's normalisation, in
// [0, 1]); LLaMA-Factory divides the top-20 entropy by the constant 3.0 (≈ ln 20 = 2.996), which
// `divisor: .llamaFactory` reproduces. L = (1/N) Σ sg(h_i^α)·CE_i.

import Foundation
import Training

public struct EAFTWeights: TokenWeightFunction {
    public enum Divisor: String, Sendable, CaseIterable {
        /// H / ln k, the paper's normalised entropy (what the engine reports).
        case logK = "log-k"
        /// H / 3.0, LLaMA-Factory's constant for k = 20.
        case llamaFactory = "llamafactory"
    }

    public var alpha: Double
    public var topK: Int
    public var divisor: Divisor

    public init(alpha: Double = 1, topK: Int = 20, divisor: Divisor = .logK) {
        self.alpha = alpha
        self.topK = topK
        self.divisor = divisor
    }

    public var name: String { "eaft" }
    public var needsEntropy: Bool { true }

    /// The weight numerator h^α of a token from the engine's H/ln k.
    public func entropyWeight(_ normalised: Float) -> Double {
        let h = divisor == .logK ? Double(normalised) : Double(normalised) * Foundation.log(Double(topK)) / 3.0
        return Foundation.pow(max(h, 0), alpha)
    }

    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        guard let ent = batch.entropies, ent.count == batch.count else {
            // The trainer asks the engine for entropies because needsEntropy is true; reaching this
            // is a wiring bug, not bad input.
            preconditionFailure("eaft needs the batch's top-\(topK) entropies")
        }
        let n = Double(batch.count)
        guard batch.count > 0 else { return TokenWeights(weights: [], loss: 0, log: ["n_all": 0]) }
        var loss = 0.0, ce = 0.0, hMean = 0.0
        var w = [Float](repeating: 0, count: batch.count)
        for i in 0..<batch.count {
            let h = entropyWeight(ent[i])
            w[i] = Float(h / n)
            loss += h * Double(batch.losses[i])
            ce += Double(batch.losses[i])
            hMean += Double(ent[i])
        }
        return TokenWeights(weights: w, loss: loss / n, log: ["ce_all": ce / n, "entropy_mean": hMean / n, "alpha": alpha, "n_all": n])
    }
}
