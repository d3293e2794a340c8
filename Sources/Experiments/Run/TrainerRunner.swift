import Checkpoints
import Evaluation
import Foundation
import Models
import Grouping
import Tokenizers
import Training

/// The real runner: a cell is trained by the shared GO trainer (Training) with masks from the
/// grouping code's cache (Grouping) and scored by the Evaluator (Evaluation), the same library code
/// `sftgo train`, `sftgo group` and `sftgo-bench` run.
///
/// Inside a cell's `work/`: `trainer/` (the trainer's resumable checkpoints, run.json, log.jsonl),
/// `steps.jsonl` (Figure 2's per-step losses), and once training finished `checkpoint/` (the
/// Hugging Face folder) with `trained.json` (its provenance), after which the trainer's optimiser
/// checkpoints are deleted (they are 3× the model) and a repeated call returns at once.
public final class TrainerRunner: CellRunner {
    public let name = Runners.realName
    public var locations: Locations
    /// lm-eval task YAML folder (nil: `$SFTGO_TASKS_DIR` or the package's `tasks/`).
    public var tasksDirectory: URL?
    /// Benchmark data (nil: the locations' data directory).
    public var evalDataDirectory: URL?
    /// Mask and frozen-loss cache (nil: `<data dir>/.sftgo/masks`, as `sftgo group` uses).
    public var maskCacheRoot: URL?
    /// Tests: stop a cell's training after this many completed steps (a kill between steps; the
    /// trainer has checkpointed them), throwing as a killed call would leave the cell.
    var stopAfter: [String: Int] = [:]

    public init(locations: Locations, tasksDirectory: URL? = nil, evalDataDirectory: URL? = nil, maskCacheRoot: URL? = nil) {
        self.locations = locations
        self.tasksDirectory = tasksDirectory
        self.evalDataDirectory = evalDataDirectory
        self.maskCacheRoot = maskCacheRoot
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> TrainerRunner {
        TrainerRunner(locations: .fromEnvironment(env),
                      tasksDirectory: env["SFTGO_TASKS_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) })
    }

    static let groupings: Set<String> = ["tfidf", "self-information", "llmlingua2", "rho1", "random", "frequency"]

    public func unavailability(of cell: Cell) -> Unavailability? {
        let m = cell.method
        if let g = m.grouping, !Self.groupings.contains(g) {
            return Unavailability(reason: "grouping '\(g)' is not implemented in sftgo (have: \(Self.groupings.sorted().joined(separator: ", ")))", fetch: nil)
        }
        if m.objective == .go, m.grouping == nil {
            return Unavailability(reason: "method '\(m.id)': GO needs a grouping function (every token would be unimportant)", fetch: nil)
        }
        if m.objective == .go, m.grouping == "rho1", let l = cell.lambda, !l.isStatic {
            return Unavailability(reason: "GO with Rho-1 groups takes a static λ; a decaying one is not implemented", fetch: nil)
        }
        if (m.objective == .rho1 || m.objective == .tokenCleaning || m.grouping == "rho1"), cell.referenceID == nil {
            return Unavailability(reason: "method '\(m.id)' needs `reference:` (the frozen φ, a baseline-SFT cell)", fetch: nil)
        }
        if m.grouping == "llmlingua2" {
            guard let r = classifierRequirement(cell) else {
                return Unavailability(reason: "LLMLingua-2 needs its token-classifier folder listed under `requires:`",
                                      fetch: "sftgo model fetch microsoft/llmlingua-2-bert-base-multilingual-cased-meetingbank")
            }
            let dir = locations.url(of: r)
            for f in ["config.json", "tokenizer.json"] where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path) {
                return Unavailability(reason: "LLMLingua-2 classifier \(dir.path) lacks \(f)", fetch: r.fetch)
            }
        }
        return nil
    }

    /// The model requirement that is not the base model: LLMLingua-2's classifier.
    func classifierRequirement(_ cell: Cell) -> Requirement? {
        cell.requires.first { $0.kind == .model && $0.path != cell.model.path }
    }

    func modelDirectory(_ cell: Cell) -> URL {
        locations.url(of: Requirement(kind: .model, name: cell.model.label, path: cell.model.path, fetch: cell.model.fetch))
    }

    // MARK: train

    public func train(_ cell: Cell, work: URL, reference: URL?, log: URL,
                      progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome {
        let fm = FileManager.default
        let final = work.appendingPathComponent("checkpoint"), doneFile = work.appendingPathComponent("trained.json")
        if let prov = (try? JSONValue.load(doneFile))?.objectValue,
           fm.fileExists(atPath: final.appendingPathComponent("config.json").path) {
            return TrainOutcome(checkpoint: final, provenance: prov)
        }
        if let u = unavailability(of: cell) { throw SpecError(file: "-", field: cell.id, message: u.description) }
        let say = { (s: String) -> Void in _ = try? AtomicFile.appendLine(s, to: log) }
        let t0 = Date()
        let opts = try TrainOptions(cell)
        let modelDir = modelDirectory(cell)
        let dataURL = try SFTData.resolve(cell.dataset, dataRoot: locations.dataDirectory)
        let folder = try ModelFolder(directory: modelDir)
        let tok = try folder.tokenizer()
        let conversations = try SFTData.read(dataURL)
        let format = try ChatFormat.named(opts.template, tokenizer: tok)
        let all = try SFTDataset(conversations, format: format, tokenizer: tok, maxLength: opts.cutoff, skipInvalid: true)
        let dataset = SFTDataset(examples: try Subset.select(all.examples, cell.subset, field: cell.id), maxLength: opts.cutoff)
        say("data \(dataURL.path): \(conversations.count) rows, \(all.skipped.count) skipped (no loss tokens or longer than cutoff_len \(opts.cutoff)); subset \(cell.subset.serialized(compact: true)): \(dataset.examples.count) examples, \(dataset.lossTokenCount) loss tokens")

        var dataSettings = ["template": opts.template, "cutoff_len": String(opts.cutoff), "skip_invalid": "true",
                            "subset": cell.subset.serialized(compact: true)]
        dataSettings["subset_rule"] = "over examples within cutoff_len, file order"
        let groups = GroupingInputs(dataset: dataset, dataURL: dataURL, modelDir: modelDir, tokenizer: tok,
                                    dataSettings: dataSettings, root: maskCacheRoot ?? locations.dataDirectory.appendingPathComponent(".sftgo/masks"),
                                    say: say, needsText: cell.method.grouping == "llmlingua2",
                                    textExamples: { try GroupingData.examples(dataset, conversations: conversations, format: format, tokenizer: tok) })
        let (objective, masks, maskFacts) = try self.objective(cell, opts: opts, reference: reference, inputs: groups)

        let model = try LlamaTrainableModel(folder: folder)
        let trainer = try Trainer(model: model, dataset: dataset, config: opts.config, objective: objective, masks: masks,
                                  outputDirectory: work.appendingPathComponent("trainer"))
        let resumed = try trainer.resume()
        let steps = work.appendingPathComponent("steps.jsonl")
        let tokensBefore = try Self.trimSteps(steps, upTo: resumed)
        if resumed > 0 { say("resumed after step \(resumed) from \(work.appendingPathComponent("trainer").path)") }
        let dataSHA = try Identity.file(dataURL), modelSHA = try Identity.model(modelDir)
        let git = Provenance.gitCommit()
        try trainer.writeRunJSON(extra: ["git_commit": git, "model": modelDir.path, "data": dataURL.path,
                                         "data_sha256": dataSHA, "cell": cell.id, "subset": cell.subset.serialized(compact: true)])
        var tokens = tokensBefore, stepSeconds = 0.0
        let speedKey = RunnerSpeed.trainKey(cell, opts), speed = self.speed
        try trainer.run(stopAfter: stopAfter[cell.id]) { r in
            tokens += r.tokens
            stepSeconds += r.seconds
            var o = JSONObject([("step", .int(r.step + 1))])
            for k in ["ce_all", "ce_imp", "ce_unimp", "lambda"] { o[k] = r.log[k].map { .double($0) } ?? .null }
            o["loss"] = .double(r.loss); o["lr"] = .double(r.learningRate); o["grad_norm"] = .double(r.gradNorm)
            o["tokens"] = .int(r.tokens); o["seconds"] = .double(r.seconds)
            try? AtomicFile.appendLine(JSONValue.object(o).serialized(), to: steps)
            say(r.jsonLine)
            // The first step of a process pays for allocating the workspace: not a rate.
            if r.step > resumed { speed.record(speedKey, seconds: r.seconds) }
            progress(CellProgress(phase: .train, done: r.step + 1, total: trainer.totalSteps))
        }
        guard trainer.completedSteps == trainer.totalSteps else {
            throw SpecError(file: "-", field: cell.id, message: "training stopped after step \(trainer.completedSteps) of \(trainer.totalSteps)")
        }

        // The Hugging Face folder appears whole (temporary folder, rename), then its provenance.
        let tmp = work.appendingPathComponent(".checkpoint.tmp")
        try? fm.removeItem(at: tmp)
        try model.save(to: tmp)
        try ModelFolder.copyTokenizerFiles(from: modelDir, to: tmp)
        try? fm.removeItem(at: final)
        try fm.moveItem(at: tmp, to: final)
        if resumed == 0 {
            speed.record(RunnerSpeed.setupKey(cell, opts), seconds: max(0, Date().timeIntervalSince(t0) - stepSeconds))
        }
        var prov = JSONObject([
            ("runner", .string(name)), ("git_commit", .string(git)),
            ("model", .string(modelDir.path)), ("model_sha256", .string(modelSHA)),
            ("tokenizer_sha256", .string(try Identity.tokenizer(modelDir))),
            ("data", .string(dataURL.path)), ("data_sha256", .string(dataSHA)),
            ("data_rows", .int(conversations.count)), ("rows_skipped_cutoff", .int(all.skipped.count)),
            ("examples", .int(dataset.examples.count)), ("loss_tokens", .int(dataset.lossTokenCount)),
            ("objective", .string(objective.name)), ("steps", .int(trainer.completedSteps)),
            ("tokens", .int(tokens)), ("resumed_from_step", .int(resumed)),
            ("train_seconds_this_call", .double(Date().timeIntervalSince(t0))),
            ("trainer_config", try JSONValue.parse(data: JSONEncoder().encode(opts.config))),
            ("numerics", .object(JSONObject(model.numerics.map { ($0, JSONValue.string($1)) }))),
        ])
        for (k, v) in maskFacts.pairs { prov[k] = v }
        try AtomicFile.write(JSONValue.object(prov).serialized(indent: 2) + "\n", to: doneFile)
        // Training is finished: the optimiser checkpoints are no longer needed to resume.
        for n in (try? fm.contentsOfDirectory(atPath: work.appendingPathComponent("trainer").path)) ?? [] where n.hasPrefix("checkpoint-") {
            try? fm.removeItem(at: work.appendingPathComponent("trainer").appendingPathComponent(n))
        }
        say("trained \(cell.id): \(trainer.completedSteps) steps, \(tokens) positions, checkpoint \(final.path)")
        return TrainOutcome(checkpoint: final, provenance: prov)
    }

    /// Drops step lines past `step` (logged after the last checkpoint of a killed run: they are run
    /// again) and returns the positions the kept steps ran.
    static func trimSteps(_ url: URL, upTo step: Int) throws -> Int {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return 0 }
        var kept: [String] = [], tokens = 0
        for line in text.split(separator: "\n") {
            guard let v = try? JSONValue.parse(String(line)), let s = v["step"]?.intValue, s <= step else { continue }
            kept.append(String(line))
            tokens += v["tokens"]?.intValue ?? 0
        }
        try AtomicFile.write(kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n", to: url)
        return tokens
    }
}
