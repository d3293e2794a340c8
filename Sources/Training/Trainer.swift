import Foundation

/// One optimiser step's record: what the step log (JSONL) and the progress bar show.
public struct StepRecord {
    public var step: Int            // 0-based optimiser step just taken
    public var totalSteps: Int
    public var epoch: Int
    public var loss: Double
    public var learningRate: Double
    public var gradNorm: Double
    public var tokens: Int          // positions run (forward and backward)
    public var lossTokens: Int
    public var microBatches: Int
    public var seconds: Double
    public var log: [String: Double]
    public var note: String?

    /// One JSON object, keys sorted, for the step log.
    public var jsonLine: String {
        var d: [String: Any] = ["step": step + 1, "epoch": epoch, "loss": loss, "lr": learningRate,
                                "grad_norm": gradNorm, "tokens": tokens, "loss_tokens": lossTokens,
                                "micro_batches": microBatches, "tokens_per_s": seconds > 0 ? Double(tokens) / seconds : 0]
        for (k, v) in log { d[k] = v.isFinite ? v : nil }
        if let w = log["worse_important"] { d["worse_group"] = w == 1 ? "important" : "unimportant" }
        if let n = note { d["note"] = n }
        let data = (try? JSONSerialization.data(withJSONObject: d, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The one trainer every method shares. Per optimiser step: the batch's examples (seeded order per
/// epoch) are packed into micro-batches by the token budget; every micro-batch's forward runs first
/// so the weight function sees the whole batch (GO's group means are pooled over it); then each
/// micro-batch's backward accumulates Σ w_i·∇loss_i; AdamW with the cosine learning rate updates.
public final class Trainer {
    public let model: TrainableModel
    public let dataset: SFTDataset
    public let config: TrainerConfig
    public let objective: TokenWeightFunction
    public let masks: ImportantMasks
    public let optimizer: AdamW
    public let schedule: CosineSchedule
    public let stepsPerEpoch: Int
    public let totalSteps: Int
    /// Completed optimiser steps (the next step to run).
    public private(set) var completedSteps = 0
    /// Where checkpoints and log.jsonl go (nil: nothing written).
    public let outputDirectory: URL?

    public init(model: TrainableModel, dataset: SFTDataset, config: TrainerConfig, objective: TokenWeightFunction,
                masks: ImportantMasks, outputDirectory: URL?) throws {
        guard !dataset.examples.isEmpty else { throw TrainingError.config("the dataset has no examples") }
        guard config.batchSize >= 1, config.tokenBudget >= 1, config.epochs >= 1 else {
            throw TrainingError.config("batch size, token budget and epochs must be positive")
        }
        self.model = model; self.dataset = dataset; self.config = config
        self.objective = objective; self.masks = masks; self.outputDirectory = outputDirectory
        stepsPerEpoch = (dataset.examples.count + config.batchSize - 1) / config.batchSize
        totalSteps = config.maxSteps ?? stepsPerEpoch * config.epochs
        let groups = model.parameterGroups.map { g -> ParameterGroup in
            var g = g; if config.decayNorms { g.decay = true }; return g
        }
        optimizer = AdamW(parameterCount: model.parameterCount, groups: groups, beta1: config.adamBeta1,
                          beta2: config.adamBeta2, eps: config.adamEpsilon, weightDecay: config.weightDecay)
        schedule = CosineSchedule(peak: config.learningRate, totalSteps: totalSteps, warmupRatio: config.warmupRatio)
    }

    /// Continues from the latest checkpoint in `outputDirectory` (or `from`); returns the steps restored.
    @discardableResult
    public func resume(from dir: URL? = nil) throws -> Int {
        guard let d = dir ?? outputDirectory.flatMap({ TrainingCheckpoint.latest(in: $0) }) else { return 0 }
        completedSteps = try TrainingCheckpoint.load(d, model: model, optimizer: optimizer, config: config,
                                                     weightFunction: objective.name)
        // Steps logged after the checkpoint (a run killed between saves) are run again: drop their lines.
        if let log = outputDirectory?.appendingPathComponent("log.jsonl"), let data = try? Data(contentsOf: log) {
            let keep = data.split(separator: 0x0A).filter { line in
                let step = ((try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any])?["step"] as? Int
                return (step ?? Int.max) <= completedSteps
            }
            try Data(keep.map { Data($0) + Data([0x0A]) }.joined()).write(to: log)
        }
        return completedSteps
    }

    /// The examples of optimiser step `step`: batch `step mod stepsPerEpoch` of epoch `step / stepsPerEpoch`.
    public func batch(step: Int) -> [TokenizedExample] {
        let epoch = step / stepsPerEpoch, b = step % stepsPerEpoch
        let order = Packing.epochOrder(count: dataset.examples.count, seed: config.seed, epoch: epoch, shuffle: config.shuffle)
        let lo = b * config.batchSize, hi = min(lo + config.batchSize, order.count)
        return order[lo..<hi].map { dataset.examples[$0] }
    }

    /// Runs steps until `totalSteps` (or `stopAfter` completed steps, to simulate a kill), calling
    /// `onStep` after each. A non-finite loss or gradient throws before the update; checkpoints on
    /// disk are then the last good ones.
    @discardableResult
    public func run(stopAfter: Int? = nil, onStep: ((StepRecord) -> Void)? = nil) throws -> [StepRecord] {
        var records: [StepRecord] = []
        let end = min(totalSteps, stopAfter ?? totalSteps)
        var logHandle: FileHandle? = nil
        if let out = outputDirectory {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let logURL = out.appendingPathComponent("log.jsonl")
            if !FileManager.default.fileExists(atPath: logURL.path) { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
            logHandle = try FileHandle(forWritingTo: logURL)
            logHandle?.seekToEndOfFile()
        }
        defer { try? logHandle?.close() }
        while completedSteps < end {
            let r = try step(completedSteps)
            completedSteps += 1
            records.append(r)
            logHandle?.write(Data((r.jsonLine + "\n").utf8))
            onStep?(r)
            if let out = outputDirectory,
               completedSteps == totalSteps || completedSteps == end || (config.saveSteps.map { completedSteps % $0 == 0 } ?? false) {
                try TrainingCheckpoint.save(root: out, step: completedSteps, model: model, optimizer: optimizer,
                                            config: config, weightFunction: objective.name)
            }
        }
        return records
    }

    /// Writes `run.json`: the full config, seed, objective, mask source, dataset figures and `extra`
    /// (the caller's git commit, data sha256, model folder, ...).
    public func writeRunJSON(extra: [String: Any]) throws {
        guard let out = outputDirectory else { return }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let cfg = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config))
        var d: [String: Any] = ["config": cfg, "seed": config.seed, "objective": objective.name,
                                "important_masks": masks.summary, "total_steps": totalSteps,
                                "steps_per_epoch": stepsPerEpoch, "examples": dataset.examples.count,
                                "loss_tokens": dataset.lossTokenCount, "skipped_rows": dataset.skipped.count,
                                "cutoff_len": dataset.maxLength, "warmup_steps": schedule.warmupSteps,
                                "parameters": model.parameterCount,
                                "numerics": Dictionary(model.numerics, uniquingKeysWith: { a, _ in a })]
        for (k, v) in extra { d[k] = v }
        let data = try JSONSerialization.data(withJSONObject: d, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: out.appendingPathComponent("run.json"))
    }

    /// One optimiser step (no checkpointing, no log file).
    public func step(_ step: Int) throws -> StepRecord {
        let start = Date()
        let examples = batch(step: step)
        let micro = Packing.microBatches(lengths: examples.map { $0.positions }, tokenBudget: config.tokenBudget)
        let topK = objective.needsEntropy ? (config.entropyTopK ?? 20) : nil

        // 1. Every micro-batch's forward: the batch's per-token statistics.
        var views: [TokenBatchView] = []
        for r in micro {
            let part = Array(examples[r])
            let s = try model.forward(part, entropyTopK: topK)
            views.append(try view(part, s, step: step))
        }
        // 2. Detached per-token weights over the whole batch (or per micro-batch, averaged).
        var weights: [[Float]] = []
        var loss = 0.0
        var log: [String: Double] = [:]
        if config.perMicroBatchLoss || micro.count == 1 {
            let k = Float(micro.count)
            for v in views {
                let w = objective.weights(v)
                weights.append(k == 1 ? w.weights : w.weights.map { $0 / k })
                loss += w.loss / Double(micro.count)
                for (key, x) in w.log { log[key, default: 0] += x / Double(micro.count) }
            }
        } else {
            let w = objective.weights(TokenBatchView.concatenate(views))
            var at = 0
            for v in views { weights.append(Array(w.weights[at..<(at + v.count)])); at += v.count }
            loss = w.loss; log = w.log
        }
        let ids = examples.map { $0.index }
        guard loss.isFinite, weights.allSatisfy({ $0.allSatisfy { $0.isFinite } }) else {
            throw TrainingError.nonFiniteLoss(step: step, examples: ids, value: loss)
        }
        // 3. Backward per micro-batch, last first: the last forward's activations are still in the
        // model, every other micro-batch's forward is re-run just before its backward.
        model.zeroGradients()
        for j in micro.indices.reversed() {
            if j != micro.count - 1 { _ = try model.forward(Array(examples[micro[j]]), entropyTopK: topK) }
            try model.backward(weights: weights[j])
        }
        let norm = model.withGradients { AdamW.clipGradNorm($0, maxNorm: config.maxGradNorm) }
        guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step, examples: ids, value: norm) }
        // 4. Update.
        let lr = schedule.learningRate(step: step)
        model.withParameters { p in model.withGradients { g in optimizer.update(params: p, grads: UnsafeBufferPointer(g), lr: lr) } }
        let positions = examples.reduce(0) { $0 + $1.positions }
        let note = log["group_fallback"] == 1
            ? "a group is empty in this batch: the max fell back to the \(log["worse_important"] == 1 ? "important" : "unimportant") group"
            : nil
        return StepRecord(step: step, totalSteps: totalSteps, epoch: step / stepsPerEpoch, loss: loss, learningRate: lr,
                          gradNorm: norm, tokens: positions, lossTokens: views.reduce(0) { $0 + $1.count },
                          microBatches: micro.count, seconds: Date().timeIntervalSince(start), log: log, note: note)
    }

    func view(_ part: [TokenizedExample], _ s: TokenLosses, step: Int) throws -> TokenBatchView {
        let n = part.reduce(0) { $0 + $1.lossTokenCount }
        guard s.losses.count == n, s.probs.count == n, s.entropies.map({ $0.count == n }) ?? true else {
            throw TrainingError.config("the model returned \(s.losses.count) loss-token statistics for \(n) loss tokens")
        }
        var v = TokenBatchView(losses: s.losses, probs: s.probs, entropies: s.entropies, important: [], exampleIndex: [],
                               tokenIndex: [], targetIds: [], step: step, totalSteps: totalSteps)
        v.important.reserveCapacity(n); v.exampleIndex.reserveCapacity(n); v.tokenIndex.reserveCapacity(n)
        for e in part {
            let m = try masks.mask(for: e)
            guard m.count == e.lossTokenCount else {
                throw TrainingError.config("example \(e.index) (\(e.location)): mask has \(m.count) flags for \(e.lossTokenCount) loss tokens")
            }
            v.important += m
            v.exampleIndex += [Int](repeating: e.index, count: m.count)
            v.tokenIndex += Array(0..<m.count)
            v.targetIds += e.lossTokenIds
        }
        return v
    }
}

extension TokenBatchView {
    /// The micro-batches' views as one batch view, tokens in order.
    public static func concatenate(_ views: [TokenBatchView]) -> TokenBatchView {
        guard var out = views.first else {
            return TokenBatchView(losses: [], probs: [], entropies: nil, important: [], exampleIndex: [], tokenIndex: [],
                                  targetIds: [], step: 0, totalSteps: 0)
        }
        for v in views.dropFirst() {
            out.losses += v.losses; out.probs += v.probs
            if let e = v.entropies { out.entropies = (out.entropies ?? []) + e }
            out.important += v.important; out.exampleIndex += v.exampleIndex
            out.tokenIndex += v.tokenIndex; out.targetIds += v.targetIds
        }
        return out
    }
}
