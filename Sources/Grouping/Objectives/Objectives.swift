// The token-weighted objectives Grouping adds to the trainer's seam, with the option spellings a
// TRL or LLaMA-Factory user already knows. One line each (name → what it minimises):
//
// | sftgo objective  | minimises                                   | TRL                      | LLaMA-Factory                 |
// |------------------|---------------------------------------------|--------------------------|-------------------------------|
// | sft              | mean CE (Training)                          | loss_type="nll"          | (default)                     |
// | go               | Eq. 3–4 with λ schedule Eq. 5 (Training)    | —                        | —                             |
// | rho1             | mean CE over top (1−η) excess-loss tokens   | —                        | —                             |
// | go-rho1          | GO loss, λ = 1, Rho-1 mask                  | —                        | —                             |
// | dft              | (1/N) Σ sg(p)·CE                            | loss_type="dft"          | use_dft_loss: true            |
// | eaft             | (1/N) Σ sg(H̃^α)·CE, top-20 entropy          | —                        | use_eaft_loss: true, eaft_alpha |
// | token-cleaning   | mean CE over the kept (mask) tokens         | —                        | —                             |
//
// η is always SFT-GO's percentile (η = 0.9 keeps the top 10%); Rho-1's and Token Cleaning's own
// "ratio k%" is 1 − η (`ratio` below converts). EAFT's `eaft_alpha` is `alpha`, k = 20 as in both.

import Training

public enum Objectives {
    /// Objective names this module provides.
    public static let names = ["rho1", "go-rho1", "dft", "eaft", "token-cleaning"]

    /// LLaMA-Factory / TRL option spellings accepted for each name.
    public static let aliases: [String: String] = [
        "use_dft_loss": "dft", "loss_type=dft": "dft", "use_eaft_loss": "eaft", "rho-1": "rho1",
        "go_rho1": "go-rho1", "token_cleaning": "token-cleaning",
    ]

    /// SFT-GO's η for a selection ratio k (Rho-1's "top k%", Token Cleaning's kept fraction).
    public static func eta(ratio k: Double) -> Double { 1 - k }

    /// Objectives that need no per-example data: dft, eaft, token-cleaning (the mask comes from the
    /// trainer's mask file). rho1 and go-rho1 need reference losses: `Rho1Weights(reference:…)`.
    public static func make(_ name: String, eaftAlpha: Double = 1, eaftTopK: Int = 20) throws -> TokenWeightFunction {
        switch aliases[name] ?? name {
        case "dft": return DFTWeights()
        case "eaft": return EAFTWeights(alpha: eaftAlpha, topK: eaftTopK)
        case "token-cleaning": return TokenCleaningWeights()
        case "rho1", "go-rho1":
            throw GroupingError.invalidExample(example: -1, reason: "\(name) needs cached reference losses (Rho1Weights(reference:dataset:eta:))")
        default: throw GroupingError.unknownMethod(name)
        }
    }
}
