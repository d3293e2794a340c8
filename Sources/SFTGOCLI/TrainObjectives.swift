import ArgumentParser
import Foundation
import Grouping
import Tokenizers
import Training

/// The Grouping objectives for `sftgo train --objective …` (built after the data, since Rho-1 needs
/// the reference model's losses of exactly these loss tokens). Spellings: `--objective dft` or
/// LLaMA-Factory's `use_dft_loss: true` (TRL `loss_type: dft`); `--objective eaft` or
/// `use_eaft_loss: true` with `eaft_alpha`; `rho1` / `go-rho1` with `--reference` and `--eta`
/// (SFT-GO's percentile: 0.55 trains the top 45%); `token-cleaning` with `--important-masks` from
/// `sftgo group --method token-cleaning`.
enum TrainObjectives {
    struct Options {
        var reference: String?
        var eta: Double?
        var eaftAlpha: Double?
        var lambda: Double?
        var maskCacheDir: String?
        var dataSettings: [String: String]
    }

    static func make(_ name: String, dataset: SFTDataset, dataURL: URL, modelDir: URL, tokenizer: Tokenizer, options o: Options) throws -> TokenWeightFunction {
        switch Objectives.aliases[name] ?? name {
        case "dft": return DFTWeights()
        case "eaft": return EAFTWeights(alpha: o.eaftAlpha ?? 1)
        case "token-cleaning": return TokenCleaningWeights()
        case "rho1", "go-rho1":
            guard let r = o.reference else { throw ValidationError("--objective \(name) needs --reference DIR (the frozen φ, e.g. a baseline-SFT checkpoint)") }
            let refDir = URL(fileURLWithPath: r)
            let examples = dataset.examples.map { GroupingExample($0) }
            let root = o.maskCacheDir.map { URL(fileURLWithPath: $0) }
                ?? dataURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".sftgo/masks")
            let bar = ProgressBar(label: "reference losses")
            let (ref, cached) = try LossCache.frozenLosses(modelDir: refDir, vocabularySize: tokenizer.vocabSize, examples: examples,
                                                           root: root, dataSHA256: try Identity.file(dataURL),
                                                           tokenizer: try Identity.tokenizer(modelDir), dataSettings: o.dataSettings,
                                                           progress: { bar.update($0, $1) })
            bar.finish()
            print("reference losses: \(cached ? "cached" : "computed") (\(refDir.path))")
            return try Rho1Weights(reference: ref, dataset: dataset, eta: o.eta ?? 0.55,
                                   variant: name == "go-rho1" ? .goRho1 : .rho1, lambda: o.lambda ?? 1)
        default:
            throw ValidationError("--objective \(name): known objectives are sft, go, " + Objectives.names.joined(separator: ", "))
        }
    }
}

extension TrainCommand {
    /// The data settings that name cached losses, as `sftgo group` writes them (so the two share a
    /// cache when they tokenise alike; max_samples only when set, as group's --limit).
    static func groupingDataSettings(_ s: Settings, template: String?, cutoff: Int, skipInvalid: Bool,
                                     maxSamples: Int?) throws -> [String: String] {
        var d = ["template": try s.value(template, "template") ?? "model", "cutoff_len": String(cutoff),
                 "skip_invalid": String(s.flag(skipInvalid, "skip-invalid"))]
        if let n = try s.value(maxSamples, "max-samples") { d["max_samples"] = String(n) }
        return d
    }
}
