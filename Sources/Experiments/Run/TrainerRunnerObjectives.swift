import Checkpoints
import Foundation
import Grouping
import Tokenizers
import Training

/// A cell's trainer options (TRL / LLaMA-Factory names, as in `sftgo train --config`), checked:
/// an unknown key is an error naming it rather than a silently ignored setting.
struct TrainOptions {
    var config = TrainerConfig()
    var cutoff = 2048
    var template = "model"
    var eaftAlpha = 1.0

    static let known: Set<String> = ["max_steps", "num_train_epochs", "learning_rate", "lr_scheduler_type", "warmup_ratio",
                                     "weight_decay", "adam_epsilon", "adam_beta1", "adam_beta2", "max_grad_norm",
                                     "per_device_train_batch_size", "gradient_accumulation_steps", "cutoff_len",
                                     "token_budget", "save_steps", "template", "eaft_alpha", "per_micro_batch_loss"]

    init(_ cell: Cell) throws {
        let t = cell.training
        func bad(_ k: String, _ why: String) -> SpecError { SpecError(file: "-", field: "\(cell.id).training.\(k)", message: why) }
        for (k, _) in t.pairs where !Self.known.contains(k) {
            throw bad(k, "not a trainer option this runner knows (have: \(Self.known.sorted().joined(separator: ", ")))")
        }
        func num(_ k: String) throws -> Double? {
            guard let v = t[k], v != .null else { return nil }
            guard let d = v.doubleValue else { throw bad(k, "expected a number") }
            return d
        }
        func int(_ k: String) throws -> Int? {
            guard let d = try num(k) else { return nil }
            guard d == d.rounded(), d >= 1 else { throw bad(k, "expected a positive integer") }
            return Int(d)
        }
        if let s = t["lr_scheduler_type"]?.stringValue, s != "cosine" {
            throw bad("lr_scheduler_type", "only cosine is implemented by the trainer")
        }
        var c = TrainerConfig()
        c.maxSteps = try int("max_steps")
        c.epochs = try int("num_train_epochs") ?? c.epochs
        let lr = try num("learning_rate")
        c.learningRate = cell.learningRate ?? lr ?? c.learningRate
        c.warmupRatio = try num("warmup_ratio") ?? c.warmupRatio
        c.weightDecay = try num("weight_decay") ?? c.weightDecay
        c.adamEpsilon = try num("adam_epsilon") ?? c.adamEpsilon
        c.adamBeta1 = try num("adam_beta1") ?? c.adamBeta1
        c.adamBeta2 = try num("adam_beta2") ?? c.adamBeta2
        if let g = try num("max_grad_norm") { c.maxGradNorm = g > 0 ? g : nil }
        c.batchSize = (try int("per_device_train_batch_size") ?? c.batchSize) * (try int("gradient_accumulation_steps") ?? 1)
        c.saveSteps = try int("save_steps") ?? 4
        c.perMicroBatchLoss = t["per_micro_batch_loss"]?.boolValue ?? false
        c.seed = UInt64(cell.seed)
        cutoff = try int("cutoff_len") ?? cutoff
        c.tokenBudget = try int("token_budget") ?? max(c.tokenBudget, cutoff)
        guard c.tokenBudget >= cutoff - 1 else { throw bad("token_budget", "must hold one example of cutoff_len \(cutoff)") }
        template = t["template"]?.stringValue ?? template
        eaftAlpha = try num("eaft_alpha") ?? eaftAlpha
        config = c
    }
}

/// Deterministic subsets (profiles.yaml): `all`, `{first: N}`, `{every: K}`, taken in file order
/// over the examples that fit `cutoff_len` (LIMA's answers are long: at a short cutoff the first
/// rows of the file would mostly be skipped).
enum Subset {
    static func select(_ examples: [TokenizedExample], _ subset: JSONValue, field: String) throws -> [TokenizedExample] {
        if subset == .null || subset.stringValue == "all" { return examples }
        if let n = subset["first"]?.intValue, n >= 1 { return Array(examples.prefix(n)) }
        if let k = subset["every"]?.intValue, k >= 1 { return stride(from: 0, to: examples.count, by: k).map { examples[$0] } }
        throw SpecError(file: "-", field: "\(field).subset", message: "expected all, {first: N} or {every: K}, got \(subset.serialized(compact: true))")
    }
}

/// What the grouping code needs to build (or find in its cache) a cell's masks.
struct GroupingInputs {
    var dataset: SFTDataset
    var dataURL: URL
    var modelDir: URL
    var tokenizer: Tokenizer
    var dataSettings: [String: String]
    var root: URL
    var say: (String) -> Void
    var needsText: Bool
    var textExamples: () throws -> [GroupingExample]

    func examples() throws -> [GroupingExample] {
        needsText ? try textExamples() : dataset.examples.map { GroupingExample($0) }
    }

    /// Frozen per-token losses of the model in `dir` (cached by data, tokenizer, settings, model).
    func losses(_ dir: URL, _ label: String) throws -> ReferenceLosses {
        let (l, cached) = try LossCache.frozenLosses(modelDir: dir, vocabularySize: tokenizer.vocabSize,
                                                     examples: dataset.examples.map { GroupingExample($0) }, root: root,
                                                     dataSHA256: try Identity.file(dataURL), tokenizer: try Identity.tokenizer(modelDir),
                                                     dataSettings: dataSettings)
        say("\(label) losses \(cached ? "cached" : "computed") (\(dir.path))")
        return l
    }
}

extension TrainerRunner {
    /// The objective, the important masks and the facts about them for run.json.
    func objective(_ cell: Cell, opts: TrainOptions, reference: URL?, inputs g: GroupingInputs) throws
        -> (TokenWeightFunction, ImportantMasks, JSONObject) {
        let m = cell.method
        func eta() throws -> Double {
            guard let e = cell.eta else { throw SpecError(file: "-", field: cell.id, message: "method '\(m.id)' needs η") }
            return e
        }
        func ref() throws -> URL {
            guard let r = reference else { throw SpecError(file: "-", field: cell.id, message: "reference checkpoint missing") }
            return r
        }
        switch m.objective {
        case .sft: return (SFTWeights(), .none, JSONObject())
        case .dft: return (DFTWeights(), .none, JSONObject())
        case .eaft: return (EAFTWeights(alpha: opts.eaftAlpha), .none, JSONObject([("eaft_alpha", .double(opts.eaftAlpha))]))
        case .rho1:
            // Rho-1 ranks excess loss against φ per batch, from the step's own forward: no static mask.
            let w = try Rho1Weights(reference: try g.losses(try ref(), "reference"), dataset: g.dataset, eta: try eta(), variant: .rho1)
            return (w, .none, JSONObject([("reference_losses", .string(try ref().path))]))
        case .tokenCleaning:
            let tc = TokenCleaningGrouping(base: try g.losses(g.modelDir, "base"), reference: try g.losses(try ref(), "reference"))
            let (masks, facts) = try self.masks(tc, method: "token-cleaning", batchSize: 0, modelHash: try Identity.model(g.modelDir), eta: try eta(), g)
            return (TokenCleaningWeights(), masks, facts)
        case .go:
            guard let lam = cell.lambda else { throw SpecError(file: "-", field: cell.id, message: "GO needs λ") }
            let schedule: Training.LambdaSchedule = lam.isStatic ? .constant(lam.max) : .linearDecay(max: lam.max, min: lam.min)
            let function: GroupingFunction
            var modelHash = "none"
            switch m.grouping ?? "" {
            case "rho1":
                let w = try Rho1Weights(reference: try g.losses(try ref(), "reference"), dataset: g.dataset, eta: try eta(),
                                        variant: .goRho1, lambda: lam.max)
                return (w, .none, JSONObject([("reference_losses", .string(try ref().path))]))
            case "tfidf": function = TFIDF(units: .ids)
            case "random": function = RandomGroups(seed: UInt64(cell.seed))
            case "frequency": function = Frequency()
            case "self-information":
                modelHash = try Identity.model(g.modelDir)
                function = SelfInformation(source: .cached(try g.losses(g.modelDir, "model")))
            case "llmlingua2":
                guard let r = classifierRequirement(cell) else { throw SpecError(file: "-", field: cell.id, message: "no classifier requirement") }
                let dir = locations.url(of: r)
                modelHash = try Identity.model(dir)
                function = try LLMLingua2(directory: dir)
            case let other: throw SpecError(file: "-", field: cell.id, message: "grouping '\(other)' is not implemented")
            }
            let (masks, facts) = try self.masks(function, method: m.grouping!, batchSize: 64, modelHash: modelHash, eta: try eta(), g)
            return (GOWeights(schedule: schedule), masks, facts)
        }
    }

    func masks(_ f: GroupingFunction, method: String, batchSize: Int, modelHash: String, eta: Double,
               _ g: GroupingInputs) throws -> (ImportantMasks, JSONObject) {
        let (set, cached) = try MaskBuilder.cached(f, method: method, examples: try g.examples(), eta: eta, batchSize: batchSize,
                                                   dataSHA256: try Identity.file(g.dataURL), tokenizer: try Identity.tokenizer(g.modelDir),
                                                   dataSettings: g.dataSettings, modelHash: modelHash, root: g.root)
        let stats = MaskStatistics(set, top: 0)
        let dir = MaskCache(root: g.root).directory(for: set.identity)
        g.say("\(method) masks \(cached ? "cached" : "built") (\(dir.path)): \(stats.importantTokens) of \(stats.lossTokens) loss tokens important")
        var byIndex: [Int: [Bool]] = [:]
        for r in set.rows { byIndex[r.index] = r.important }
        return (.precomputed(byIndex), JSONObject([
            ("masks", .string(dir.path)), ("masks_cached", .bool(cached)),
            ("important_fraction", .double(stats.importantFraction))]))
    }
}
