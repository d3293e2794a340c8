// Rho-1 on the trainer's seam (§3.3 Eq. 9, App. F). Every step: E = CE(θ) − CE(φ) from the step's own
// losses and the cached reference losses, the η percentile over the batch (Rho-1 ranks per batch),
// then either
//  - `rho1`: Rho-1 proper, CE averaged over the selected tokens only (the paper's "no λ" row), or
//  - `go-rho1`: the GO loss (Eq. 3–4) with λ = 1 (default) on the Rho-1 mask, which trains the
//    unselected group whenever its mean loss is higher — a different objective, kept apart.
// η is SFT-GO's percentile: η = 0.55 trains the top 45%, i.e. Rho-1's ratio k% = 1 − η.

import Training

public struct Rho1Weights: TokenWeightFunction {
    public enum Variant: String, Sendable { case rho1 = "rho1", goRho1 = "go-rho1" }

    public let reference: ReferenceLosses
    public let eta: Double
    public let variant: Variant
    /// λ of the GO loss for `go-rho1` (Eq. 3: λ = 1 is "Rho-1 aligns with our objective").
    public let lambda: Double

    /// Refuses a reference that does not cover every example of `dataset` with its exact loss tokens.
    public init(reference: ReferenceLosses, dataset: SFTDataset, eta: Double, variant: Variant = .rho1, lambda: Double = 1) throws {
        try Selector.check(eta)
        for e in dataset.examples {
            guard let ids = reference.idsByExample[e.index], ids == e.lossTokenIds else {
                throw GroupingError.badReference(path: "reference losses (model \(reference.modelHash))",
                    reason: "example \(e.index) (\(e.location)) has no cached reference losses for its loss tokens; rebuild them for this data and tokenizer")
            }
        }
        self.reference = reference
        self.eta = eta
        self.variant = variant
        self.lambda = lambda
    }

    public var name: String { variant.rawValue }
    public var needsEntropy: Bool { false }

    /// E for each token of the batch (lookups were validated at init).
    public func excessLoss(_ batch: TokenBatchView) -> [Float] {
        (0..<batch.count).map { i in
            batch.losses[i] - reference.byExample[batch.exampleIndex[i]]![batch.tokenIndex[i]]
        }
    }

    public func weights(_ batch: TokenBatchView) -> TokenWeights {
        let e = excessLoss(batch)
        // η was validated at init; an empty batch selects nothing.
        let selected = (try? Selector.important(e.map(Double.init), eta: eta)) ?? []
        let meanE = e.isEmpty ? Double.nan : e.reduce(0.0) { $0 + Double($1) } / Double(e.count)
        switch variant {
        case .rho1:
            return SelectedCE.weights(losses: batch.losses, selected: selected, log: ["eta": eta, "excess_mean": meanE])
        case .goRho1:
            let g = GroupLoss(losses: batch.losses, important: selected, lambda: lambda)
            var log = g.log
            log["eta"] = eta
            log["excess_mean"] = meanE
            return TokenWeights(weights: g.weights, loss: g.loss, log: log)
        }
    }
}
