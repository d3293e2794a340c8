import ArgumentParser
import Evaluation
import Foundation
import Models
import Grouping
import Store
import Tokenizers
import Training
import Yams

/// `sftgo train`: SFT or SFT-GO on an SFT data file, Hugging Face model folder in and out.
/// Options use LLaMA-Factory / HF Trainer names; `--config FILE.yaml` takes the same keys
/// (dashes or underscores), and a flag given on the command line wins over the file.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune with SFT (λ = 0) or SFT-GO (paper Eq. 3–5); writes a Hugging Face checkpoint, run.json and log.jsonl.")

    @Option(help: "YAML file with any of these options (keys as the long names).") var config: String?
    @Option(name: .customLong("model"), help: "Hugging Face model folder to start from.") var model: String?
    @Option(help: "SFT data: a file (JSON array or JSONL), a folder holding one, or a name under $SFTGO_DATA_DIR (e.g. lima).") var data: String?
    @Option(name: .customLong("data-format"), help: "alpaca (instruction/input/output/history) or lima (conversations); default: detected.") var dataFormat: String?
    @Option(help: "Chat format: model (the tokenizer's chat template) or alpaca (the plain Alpaca prompt).") var template: String?
    @Option(name: .customLong("cutoff-len"), help: "Maximum tokens per example (default 2048).") var cutoffLen: Int?
    @Option(name: .customLong("max-samples"), help: "Use only the first N examples of the file.") var maxSamples: Int?
    @Flag(name: .customLong("skip-invalid"), help: "Skip (and count) examples with no loss tokens or whose loss tokens the cutoff would cut, instead of failing.") var skipInvalid = false
    @Option(name: .customLong("output-dir"), help: "Output folder: checkpoint-N/, run.json, log.jsonl and the final model.") var outputDir: String?

    @Option(help: "Objective: sft, go, rho1, go-rho1, dft, eaft or token-cleaning.") var objective: String?
    @Flag(name: .customLong("use-dft-loss"), help: "LLaMA-Factory's spelling of --objective dft (TRL loss_type=dft).") var useDftLoss = false
    @Flag(name: .customLong("use-eaft-loss"), help: "LLaMA-Factory's spelling of --objective eaft.") var useEaftLoss = false
    @Option(name: .customLong("eaft-alpha"), help: "EAFT: exponent α of the top-20 entropy weight (default 1).") var eaftAlpha: Double?
    @Option(help: "rho1/go-rho1: frozen reference model folder φ.") var reference: String?
    @Option(help: "rho1/go-rho1: SFT-GO percentile η of the excess loss per batch (default 0.55: trains the top 45%).") var eta: Double?
    @Option(name: .customLong("mask-cache-dir"), help: "Cache of reference losses (default: <data root>/.sftgo/masks).") var maskCacheDir: String?
    @Option(name: .customLong("lambda"), help: "GO: static λ (default 0.9).") var lambda: Double?
    @Option(name: .customLong("lambda-max"), help: "GO: decaying λ (Eq. 5) from λ_max ...") var lambdaMax: Double?
    @Option(name: .customLong("lambda-min"), help: "... down to λ_min.") var lambdaMin: Double?
    @Option(name: .customLong("important-masks"), help: "JSONL of important masks written by `sftgo group --output`.") var importantMasks: String?
    @Option(name: .customLong("random-mask-fraction"), help: "Seeded random important mask with this fraction (until a grouping is chosen).") var randomMaskFraction: Double?
    @Option(name: .customLong("mask-seed"), help: "Seed of the random mask (default: --seed).") var maskSeed: UInt64?
    @Flag(name: .customLong("per-micro-batch-loss"), help: "GO means per micro-batch (PyTorch accumulation) instead of pooled over the optimiser batch.") var perMicroBatchLoss = false

    @Option(name: .customLong("batch-size"), help: "Examples per optimiser step (paper: 64 LIMA, 32 Alpaca).") var batchSize: Int?
    @Option(name: .customLong("token-budget"), help: "Positions per packed micro-batch (default 4096).") var tokenBudget: Int?
    @Option(name: .customLong("num-train-epochs"), help: "Epochs (default 1).") var numTrainEpochs: Int?
    @Option(name: .customLong("max-steps"), help: "Optimiser steps, overriding epochs.") var maxSteps: Int?
    @Option(name: .customLong("learning-rate"), help: "Peak learning rate (default 1e-5).") var learningRate: Double?
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (default 0).") var weightDecay: Double?
    @Option(name: .customLong("warmup-ratio"), help: "Linear warm-up as a fraction of the steps (default 0).") var warmupRatio: Double?
    @Option(name: .customLong("max-grad-norm"), help: "Gradient-norm clipping (default 1.0; 0 turns it off).") var maxGradNorm: Double?
    @Option(name: .customLong("adam-beta1")) var adamBeta1: Double?
    @Option(name: .customLong("adam-beta2")) var adamBeta2: Double?
    @Option(name: .customLong("adam-epsilon")) var adamEpsilon: Double?
    @Flag(name: .customLong("decay-norms"), help: "Apply weight decay to norm weights too (HF Trainer does not).") var decayNorms = false
    @Option(help: "Seed of the data order and the random mask (default 42).") var seed: UInt64?
    @Option(name: .customLong("save-steps"), help: "Checkpoint every N steps (always at the end).") var saveSteps: Int?
    @Flag(help: "Continue from the latest checkpoint in --output-dir.") var resume = false
    @Flag(name: .customLong("dry-run"), help: "Tokenise and plan only: examples, loss tokens, skipped rows, steps.") var dryRun = false
    public init() {}

    /// Command-line value, else the YAML file's, else nil.
    struct Settings {
        let yaml: [String: Any]
        func value<T>(_ flag: T?, _ key: String) throws -> T? {
            if let f = flag { return f }
            guard let v = yaml[key] ?? yaml[key.replacingOccurrences(of: "-", with: "_")] else { return nil }
            if T.self == Double.self, let n = v as? Int { return (Double(n) as! T) }
            if T.self == UInt64.self, let n = v as? Int { return (UInt64(n) as! T) }
            guard let t = v as? T else { throw ValidationError("config key \(key): \(v) is not a \(T.self)") }
            return t
        }
        func flag(_ f: Bool, _ key: String) -> Bool {
            f || (yaml[key] ?? yaml[key.replacingOccurrences(of: "-", with: "_")]) as? Bool == true
        }
    }

    func settings() throws -> Settings {
        guard let path = config else { return Settings(yaml: [:]) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let y = try Yams.load(yaml: text) as? [String: Any] else { throw ValidationError("\(path): not a YAML mapping") }
        return Settings(yaml: y)
    }

    /// `SFTData.resolve` under $SFTGO_DATA_DIR (default `data`), its error as a usage error.
    static func resolveData(_ spec: String) throws -> URL {
        let root = ProcessInfo.processInfo.environment["SFTGO_DATA_DIR"] ?? "data"
        do { return try SFTData.resolve(spec, dataRoot: URL(fileURLWithPath: root)) } catch let e as TrainingError {
            throw ValidationError("--data \(spec): \(e)")
        }
    }

    /// The trainer's settings: flags over the YAML file over the defaults.
    func trainerConfig(_ s: Settings) throws -> TrainerConfig {
        var cfg = TrainerConfig()
        cfg.batchSize = try s.value(batchSize, "batch-size") ?? cfg.batchSize
        cfg.tokenBudget = try s.value(tokenBudget, "token-budget") ?? cfg.tokenBudget
        cfg.epochs = try s.value(numTrainEpochs, "num-train-epochs") ?? cfg.epochs
        cfg.maxSteps = try s.value(maxSteps, "max-steps")
        cfg.learningRate = try s.value(learningRate, "learning-rate") ?? cfg.learningRate
        cfg.weightDecay = try s.value(weightDecay, "weight-decay") ?? cfg.weightDecay
        cfg.warmupRatio = try s.value(warmupRatio, "warmup-ratio") ?? cfg.warmupRatio
        let clip = try s.value(maxGradNorm, "max-grad-norm") ?? 1.0
        cfg.maxGradNorm = clip > 0 ? clip : nil
        cfg.adamBeta1 = try s.value(adamBeta1, "adam-beta1") ?? cfg.adamBeta1
        cfg.adamBeta2 = try s.value(adamBeta2, "adam-beta2") ?? cfg.adamBeta2
        cfg.adamEpsilon = try s.value(adamEpsilon, "adam-epsilon") ?? cfg.adamEpsilon
        cfg.decayNorms = s.flag(decayNorms, "decay-norms")
        cfg.seed = try s.value(seed, "seed") ?? cfg.seed
        cfg.saveSteps = try s.value(saveSteps, "save-steps")
        cfg.perMicroBatchLoss = s.flag(perMicroBatchLoss, "per-micro-batch-loss")
        return cfg
    }

    public func run() throws {
        let s = try settings()
        guard let modelPath = try s.value(model, "model") else { throw ValidationError("--model is required") }
        guard let dataSpec = try s.value(data, "data") else { throw ValidationError("--data is required") }
        let modelDir = URL(fileURLWithPath: modelPath)
        let dataURL = try TrainCommand.resolveData(dataSpec)

        let cfg = try trainerConfig(s)
        let cutoff = try s.value(cutoffLen, "cutoff-len") ?? 2048
        guard cfg.tokenBudget >= cutoff - 1 else {
            throw ValidationError("--token-budget \(cfg.tokenBudget) must hold one example of --cutoff-len \(cutoff) (≥ \(cutoff - 1) positions)")
        }

        // Objective and masks.
        var objectiveName = try s.value(objective, "objective") ?? "go"
        if s.flag(useDftLoss, "use-dft-loss") { objectiveName = "dft" }
        if s.flag(useEaftLoss, "use-eaft-loss") { objectiveName = "eaft" }
        // Grouping's objectives are built after the data (nil here).
        var weights: TokenWeightFunction? = nil
        switch objectiveName {
        case "sft": weights = SFTWeights()
        case "go":
            if let hi = try s.value(lambdaMax, "lambda-max") {
                weights = GOWeights(schedule: .linearDecay(max: hi, min: try s.value(lambdaMin, "lambda-min") ?? 0))
            } else {
                weights = GOWeights(schedule: .constant(try s.value(lambda, "lambda") ?? 0.9))
            }
        default: break
        }

        // Data.
        let tok = try ModelFolder(directory: modelDir).tokenizer()
        let fmtName = try s.value(dataFormat, "data-format")
        let format = try fmtName.map { n -> SFTDataFormat in
            guard let f = SFTDataFormat(rawValue: n) else { throw ValidationError("--data-format \(n): alpaca or lima") }
            return f
        }
        var conversations = try SFTData.read(dataURL, format: format)
        if let n = try s.value(maxSamples, "max-samples") { conversations = Array(conversations.prefix(n)) }
        let chat = try ChatFormat.named(try s.value(template, "template") ?? "model", tokenizer: tok)
        let dataset = try SFTDataset(conversations, format: chat, tokenizer: tok, maxLength: cutoff,
                                     skipInvalid: s.flag(skipInvalid, "skip-invalid"))
        let masks: ImportantMasks
        if let path = try s.value(importantMasks, "important-masks") {
            masks = try ImportantMasks.read(URL(fileURLWithPath: path), dataset: dataset)
        } else if let p = try s.value(randomMaskFraction, "random-mask-fraction") {
            masks = .random(fraction: p, seed: try s.value(maskSeed, "mask-seed") ?? cfg.seed)
        } else {
            masks = .none
            if objectiveName == "go" {
                FileHandle.standardError.write(Data("warning: GO without --important-masks or --random-mask-fraction: every token is unimportant, so GO reduces to SFT\n".utf8))
            }
        }
        if (Objectives.aliases[objectiveName] ?? objectiveName) == "token-cleaning",
           try s.value(importantMasks, "important-masks") == nil {
            // Without the mask every token is dropped: loss 0, nothing trained. Refuse instead.
            throw ValidationError("--objective token-cleaning trains only the tokens its mask keeps: pass --important-masks FILE "
                + "from `sftgo group --method token-cleaning --reference DIR --output FILE` (same --template, --cutoff-len, --skip-invalid)")
        }
        let objectiveFn = try weights ?? TrainObjectives.make(objectiveName, dataset: dataset, dataURL: dataURL, modelDir: modelDir, tokenizer: tok,
            options: .init(reference: try s.value(reference, "reference"), eta: try s.value(eta, "eta"),
                           eaftAlpha: try s.value(eaftAlpha, "eaft-alpha"), lambda: try s.value(lambda, "lambda"),
                           maskCacheDir: try s.value(maskCacheDir, "mask-cache-dir"),
                           dataSettings: try TrainCommand.groupingDataSettings(s, template: template, cutoff: cutoff,
                                                                               skipInvalid: skipInvalid, maxSamples: maxSamples)))
        let positions = dataset.examples.reduce(0) { $0 + $1.positions }
        print("data: \(dataURL.path): \(dataset.examples.count) examples, \(dataset.lossTokenCount) loss tokens, \(positions) positions; skipped \(dataset.skipped.count) rows")
        for (_, why) in dataset.skipped.prefix(5) { print("  skipped \(why)") }
        let stepsPerEpoch = (dataset.examples.count + cfg.batchSize - 1) / max(cfg.batchSize, 1)
        print("plan: \(cfg.maxSteps ?? stepsPerEpoch * cfg.epochs) optimiser steps of \(cfg.batchSize) examples, micro-batches of ≤ \(cfg.tokenBudget) positions, objective \(objectiveFn.name), masks \(masks.summary)")
        if dryRun { return }

        guard let out = try s.value(outputDir, "output-dir") else { throw ValidationError("--output-dir is required") }
        let outURL = URL(fileURLWithPath: out)
        let trainable = try TrainCommand.loadTrainableModel(modelDir)
        let trainer = try Trainer(model: trainable, dataset: dataset, config: cfg, objective: objectiveFn, masks: masks,
                                  outputDirectory: outURL)
        if s.flag(resume, "resume") {
            let n = try trainer.resume()
            print(n > 0 ? "resumed after step \(n)" : "no checkpoint in \(out): starting at step 0")
        }
        try trainer.writeRunJSON(extra: [
            "git_commit": Provenance.gitCommit(), "model": modelDir.path, "data": dataURL.path,
            "data_sha256": try SHA256.hex(ofFile: dataURL), "template": try s.value(template, "template") ?? "model",
            "cutoff_len": cutoff, "max_samples": try s.value(maxSamples, "max-samples") as Any? ?? NSNull(),
            "skipped": dataset.skipped.map { $0.reason },
        ])
        let bar = TrainProgress(total: trainer.totalSteps, start: trainer.completedSteps)
        try trainer.run { bar.update($0) }
        bar.finish()
        try trainable.save(to: outURL)
        try TrainCommand.copyTokenizerFiles(from: modelDir, to: outURL)
        print("saved \(outURL.path) (model, tokenizer, run.json, log.jsonl, checkpoint-\(trainer.completedSteps))")
    }

    static func copyTokenizerFiles(from src: URL, to dst: URL) throws {
        try ModelFolder.copyTokenizerFiles(from: src, to: dst)
    }

    static func loadTrainableModel(_ dir: URL) throws -> TrainableModel {
        try LlamaTrainableModel(directory: dir)
    }
}

/// Step progress on stderr: loss, tokens/s and ETA.
final class TrainProgress {
    let total: Int, startStep: Int
    let start = Date()
    var tokens = 0
    init(total: Int, start: Int) { self.total = total; self.startStep = start }

    func update(_ r: StepRecord) {
        tokens += r.tokens
        let done = r.step + 1
        let elapsed = Date().timeIntervalSince(start)
        let perStep = elapsed / Double(max(done - startStep, 1))
        let width = 24, filled = Int(Double(done) / Double(max(total, 1)) * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\rtrain %@ %d/%d loss %.4f ce_all %.4f lr %.2e %.0f tok/s elapsed %@ ETA %@",
                          bar, done, total, r.loss, r.log["ce_all"] ?? .nan, r.learningRate,
                          Double(tokens) / max(elapsed, 1e-9), ProgressBar.clock(elapsed),
                          ProgressBar.clock(perStep * Double(total - done)))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
