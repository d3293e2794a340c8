import ArgumentParser
import Evaluation
import Foundation
import Models
import Tokenizers

/// `sftgo-bench`: a container whose default subcommand `eval` scores a checkpoint, so
/// `sftgo-bench --tasks … --model DIR` and `sftgo-bench micro --model DIR` each parse into one command.
/// (ArgumentParser parses a parent's options anywhere on the line, so options on the root would be
/// taken from a subcommand's arguments: the root declares none.)
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sftgo-bench",
        abstract: "Score a checkpoint on the paper's benchmarks (lm-eval 0.4.8 conventions), or measure engine speed.",
        discussion: """
        Without a subcommand, the arguments go to `eval` (see `sftgo-bench eval --help` for its options), \
        e.g. sftgo-bench --tasks all --model DIR.
        """,
        subcommands: [EvalBenchCommand.self, MicroBenchCommand.self, ScoringBenchCommand.self, TrainBenchCommand.self,
                       GradBenchCommand.self],
        defaultSubcommand: EvalBenchCommand.self)

    public init() {}
}

/// `sftgo-bench [eval]`: score a checkpoint on the paper's benchmarks with lm-eval 0.4.8's
/// conventions (lm-eval's flag spellings, kebab-case accepted).
public struct EvalBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a checkpoint on the paper's benchmarks (lm-eval 0.4.8 conventions); the default subcommand.",
        discussion: """
        --tasks all runs the paper's columns: MMLU at 0 and 5 shots (the 5-shot rows are labelled \
        '@5shot'), MathQA, ARC-Challenge, OpenBookQA, HellaSwag, TruthfulQA MC1/MC2 and generation \
        (BLEU/ROUGE), IFEval (once its checkers exist). Results go to \
        --output_path as results_<time>.json (lm-eval's shape plus a provenance block) and .md.

        Determinism: scores are bit-identical for any batch composition, pass size and thread count         on the same CPU kernel (the row quantum is calibrated on the running OpenBLAS kernel); across         CPUs whose OpenBLAS picks other kernels they agree within 1e-4. The kernel, quantum and         thread count are recorded under provenance.numerics.
        """)

    @Option(name: [.customLong("tasks")], help: "all, or comma-separated task/group names (e.g. mmlu,arc_challenge).")
    var tasks: String = "all"

    @Option(name: [.customLong("model")], help: "Model directory (Hugging Face layout).")
    var model: String?

    @Option(name: [.customLong("limit")], parsing: .unconditional, help: "First N documents of each task (of each MMLU subject); < 1 = fraction.")
    var limit: Double?

    @Option(name: [.customLong("num_fewshot"), .customLong("num-fewshot")], parsing: .unconditional, help: "Few-shot examples (tasks fixing 0 ignore it).")
    var numFewshot: Int?

    @Option(name: [.customLong("batch_size"), .customLong("batch-size")], parsing: .unconditional, help: "Batch size for the model side.")
    var batchSize: Int = 1

    @Option(name: [.customLong("output_path"), .customLong("output-path")], help: "Directory for results files.")
    var outputPath: String?

    @Flag(name: [.customLong("log_samples"), .customLong("log-samples")], help: "Write per-sample JSONL.")
    var logSamples = false

    @Option(name: [.customLong("data-dir"), .customLong("data_dir")], help: "Benchmark data directory (default $SFTGO_DATA_DIR, else ./data, else ../shared/data).")
    var dataDir: String?

    @Option(name: [.customLong("tasks-dir"), .customLong("tasks_dir")], help: "Task YAML directory (default: the package's tasks/).")
    var tasksDir: String?

    @Flag(name: [.customLong("dry-run"), .customLong("dry_run")], help: "Print request and size counts and an estimated time; score nothing.")
    var dryRun = false

    @Flag(name: [.customLong("add-bos"), .customLong("add_bos")], help: "Prepend BOS (lm-eval ≥ 0.4.9.2 behaviour; 0.4.8 does not).")
    var addBOS = false

    @Option(name: [.customLong("mc2")], help: "TruthfulQA MC2 rule: v2 (lm-eval 0.4.8) or v3 (0.4.9+).")
    var mc2: String = "v2"

    @Option(name: [.customLong("cache-dir"), .customLong("cache_dir")], help: "Request cache, so an interrupted run resumes (default: <output_path>/request_cache; 'none' disables).")
    var cacheDir: String?

    @Option(name: [.customLong("predictions")], help: "Score these responses instead of generating: JSONL of {\"prompt\", \"response\"} (IFEval's format; for TruthfulQA the prompt is the question) or lm-eval samples_*.jsonl.")
    var predictions: String?

    @Flag(name: [.customLong("allow_missing"), .customLong("allow-missing")], help: "With --predictions: score documents the file lacks as empty responses and ignore rows no task has (both counted).")
    var allowMissing = false

    @Flag(name: [.customLong("apply_chat_template"), .customLong("apply-chat-template")], help: "Render contexts with the model's chat template (lm-eval's flag; off by default).")
    var applyChatTemplate = false

    @Option(name: [.customLong("system_instruction"), .customLong("system-instruction")], help: "System instruction placed before the description (a system turn with --apply_chat_template).")
    var systemInstruction: String?

    @Flag(name: [.customLong("fewshot_as_multiturn"), .customLong("fewshot-as-multiturn")], help: "Few-shot examples as alternating user/assistant turns (needs --apply_chat_template).")
    var fewshotAsMultiturn = false

    public init() {}

    public func validate() throws {
        guard MC2Variant(rawValue: mc2) != nil else { throw ValidationError("--mc2 must be v2 or v3") }
        guard batchSize >= 1 else { throw ValidationError("--batch_size must be ≥ 1") }
        if let l = limit { try LimitOption.check(l) }
        if tasks != "all", taskNames.isEmpty { throw ValidationError("--tasks \(tasks.debugDescription) names no task") }
        if let k = numFewshot, k < 0 { throw ValidationError("--num_fewshot must be ≥ 0") }
        if fewshotAsMultiturn && !applyChatTemplate {
            throw ValidationError("--fewshot_as_multiturn needs --apply_chat_template (as in lm-eval)")
        }
        if allowMissing && predictions == nil { throw ValidationError("--allow_missing applies to --predictions only") }
        if tasks == "all", numFewshot != nil {
            throw ValidationError("--num_fewshot cannot be combined with --tasks all (the paper's columns fix the shots)")
        }
    }

    /// The names in --tasks (empty entries, as in "a,,b" or ",", dropped).
    var taskNames: [String] {
        tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func run() throws {
        // Checked first: with --cache-dir none an unwritable folder would otherwise lose the whole run.
        if !dryRun { try OutputPath.ensureWritable(outputURL, flag: "--output_path") }
        var options = EvaluationOptions(limit: limit, numFewshot: numFewshot, batchSize: batchSize, addBOS: addBOS,
                                        mc2Variant: MC2Variant(rawValue: mc2)!, logSamples: logSamples)
        options.chat = ChatOptions(applyChatTemplate: applyChatTemplate, systemInstruction: systemInstruction,
                                   fewshotAsMultiturn: fewshotAsMultiturn)
        options.predictionsFile = predictions
        guard let tasksURL = tasksDir.map({ URL(fileURLWithPath: $0) }) ?? TaskRegistry.defaultDirectory() else {
            throw ValidationError("task YAML directory not found: pass --tasks-dir or set SFTGO_TASKS_DIR")
        }
        let registry = try TaskRegistry(directory: tasksURL)
        let data = DataSource(directory: try DataSource.resolveDirectory(explicit: dataDir))
        let items: [EvaluationPlan.Item] = tasks == "all" ? EvaluationPlan.allItems
            : taskNames.map { EvaluationPlan.Item(name: $0) }
        let plan = try EvaluationPlan.build(items: items, registry: registry, data: data, options: options)
        for u in plan.unavailable { FileHandle.standardError.write(Data("note: \(u) is not yet available (Evaluator II)\n".utf8)) }
        let evaluator = Evaluator()

        if dryRun {
            try printDryRun(plan: plan, evaluator: evaluator, options: options)
            return
        }
        let predictionSet = try predictions.map { try PredictionSet(url: URL(fileURLWithPath: $0), allowMissing: allowMissing) }
        let needsModel = predictionSet == nil || plan.runs.contains { !$0.task.config.isGeneration } || options.chat.applyChatTemplate
        if needsModel && model == nil {
            throw ValidationError("--model DIR is required (except with --dry-run, or --predictions for generation tasks only)")
        }
        let lm = try model.map { try EvalBenchCommand.loadModel(URL(fileURLWithPath: $0), options: options, cacheDirectory: cacheURL) }
        let modelPath = model ?? "-"
        let started = Date()
        let bar = ProgressBar(label: "scoring")
        let report = try evaluator.run(plan, model: lm, predictions: predictionSet, options: options) { done, total in bar.update(done, total) }
        bar.finish()
        if let p = predictionSet {
            for (label, n) in p.missing.sorted(by: { $0.key < $1.key }) {
                FileHandle.standardError.write(Data("warning: \(label): \(n) document(s) missing from \(p.path), scored as empty responses (--allow_missing)\n".utf8))
            }
            if p.unused > 0 {
                FileHandle.standardError.write(Data("warning: \(p.unused) row(s) of \(p.path) match no requested document (--allow_missing)\n".utf8))
            }
        }
        for t in report.tasks {
            for w in t.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            if t.truncatedRequests > 0 {
                FileHandle.standardError.write(Data("note: \(t.label): \(t.truncatedRequests) requests left-truncated to the model window (\(t.truncatedTokens) tokens dropped)\n".utf8))
            }
        }
        let table = ResultsWriter.markdownTable(report)
        print(table)
        print(String(format: "%d requests (%d unique) in %.1f s", report.requestCount, report.uniqueRequestCount, report.seconds))
        var prov = Provenance(gitCommit: Provenance.gitCommit(), modelPath: modelPath, modelIdentity: lm?.identity ?? "predictions",
                              dataDirectory: data.directory.path, checksumsVerified: data.verifiesChecksums,
                              startedAt: started)
        if let p = predictionSet {
            prov.extra["predictions"] = .object(JSONObject([
                ("file", .string(p.path)), ("allow_missing", .bool(p.allowMissing)),
                ("missing", .object(JSONObject(p.missing.sorted(by: { $0.key < $1.key }).map { ($0.key, .int($0.value)) }))),
                ("unused_rows", .int(p.unused))]))
        }
        if let g = (lm as? LlamaLanguageModel)?.generator.stats, g.requests > 0 {
            let line = String(format: "%d generation requests (%d decoded, %d from cache): %d tokens in %.1f s, %.1f tokens/s, %.2f items/s",
                              g.requests, g.generated, g.cached, g.generatedTokens, g.seconds,
                              Double(g.generatedTokens) / max(g.seconds, 1e-9), Double(g.generated) / max(g.seconds, 1e-9))
            print("generation: " + line)
            prov.extra["generation"] = .string(line)
        }
        if let m = model {
            prov.extra["numerics"] = NumericsProvenance.json(
                try NumericsProvenance.calibration(modelDirectory: URL(fileURLWithPath: m)))
        }
        if let counted = lm as? ScoringStatsReporting {
            let items = report.tasks.reduce(0) { $0 + $1.samples.count }
            let line = counted.stats.summary(items: items)
            print("scoring: " + line)
            prov.extra["scoring"] = .string(line)
        }
        let files = try ResultsWriter.write(report, provenance: prov, to: outputURL)
        for f in files { print("wrote \(f.path)") }
    }

    var outputURL: URL { URL(fileURLWithPath: outputPath ?? "results/runs") }

    var cacheURL: URL? {
        if cacheDir == "none" { return nil }
        return URL(fileURLWithPath: cacheDir ?? ((outputPath ?? "results/runs") + "/request_cache"))
    }

    /// The Swift Llama scorer for a checkpoint directory (prefix reuse, result cache).
    /// `--batch_size` is recorded only: the scorer's schedule depends on the requests' tokens alone.
    static func loadModel(_ dir: URL, options: EvaluationOptions, cacheDirectory: URL?) throws -> LanguageModel {
        if let make = EvalBenchCommand.modelFactory { return try make(dir, options) }
        return try LlamaLanguageModel(directory: dir, options: ScoringOptions(addBOS: options.addBOS, cacheDirectory: cacheDirectory))
    }

    /// Replaces the Llama scorer (tests, other backends).
    public static var modelFactory: ((URL, EvaluationOptions) throws -> LanguageModel)? = nil

    func printDryRun(plan: EvaluationPlan, evaluator: Evaluator, options: EvaluationOptions) throws {
        let (perRun, unique, _) = try evaluator.allRequests(plan, options: options)
        // Token counts need the model's tokenizer; without one, sizes are in characters.
        var tokenizer: Tokenizer? = nil
        if let m = model {
            do { tokenizer = try ModelFolder(directory: URL(fileURLWithPath: m)).tokenizer() } catch {
                FileHandle.standardError.write(Data("note: no tokenizer in \(m) (\(error)); counting characters\n".utf8))
            }
        }
        var ctxLen: [String: Int] = [:]
        func size(_ s: String) -> Int {
            guard let t = tokenizer else { return s.unicodeScalars.count }
            return t.encode(s, addSpecialTokens: false).count
        }
        func contextSize(_ c: String) -> Int {
            if let n = ctxLen[c] { return n }
            let n = size(c)
            ctxLen[c] = n
            return n
        }
        let unit = tokenizer == nil ? "chars" : "tokens"
        print("| task | n-shot | docs | requests | context \(unit) | continuation \(unit) | distinct-context \(unit) |")
        print("|---|--:|--:|--:|--:|--:|--:|")
        var totalReq = 0, totalCtx = 0, totalCont = 0, totalDistinct = 0
        var seenContexts = Set<String>()
        for (run, docs) in zip(plan.runs, perRun) {
            if run.task.config.isGeneration {
                // Generation: one request per document; "continuation" is the token budget.
                let reqs = try evaluator.generationRequests(for: run, limit: options.limit, chat: options.chat)
                let ctx = reqs.reduce(0) { $0 + contextSize($1.request.context) }
                let budget = reqs.reduce(0) { $0 + $1.request.maxGenTokens }
                print("| \(run.label) (generate, budget) | \(run.numFewshot) | \(reqs.count) | \(reqs.count) | \(ctx) | ≤ \(budget) | \(ctx) |")
                continue
            }
            var ctx = 0, cont = 0, distinct = 0
            for d in docs {
                let c = contextSize(d.context)
                if seenContexts.insert(d.context).inserted { distinct += c }
                for r in d.requests { ctx += c; cont += size(r.continuation) }
            }
            let n = docs.reduce(0) { $0 + $1.requests.count }
            totalReq += n; totalCtx += ctx; totalCont += cont; totalDistinct += distinct
            print("| \(run.label) | \(run.numFewshot) | \(docs.count) | \(n) | \(ctx) | \(cont) | \(distinct) |")
        }
        print("| total | | \(perRun.reduce(0) { $0 + $1.count }) | \(totalReq) | \(totalCtx) | \(totalCont) | \(totalDistinct) |")
        print("\n\(unique.count) unique requests over \(seenContexts.count) distinct contexts." +
              (tokenizer == nil ? " (No tokenizer: sizes in characters; pass --model for tokens.)" : " Continuations tokenised on their own (lm-eval tokenises the pair; boundary merges may differ by a token)."))
        guard let modelPath = model else {
            print("No time estimate: no --model given.")
            return
        }
        // Measure throughput on a sample shaped like the run: runs of 4 consecutive documents from
        // up to 12 tasks spread over the plan (so sharing and batching happen as in the real run,
        // if less of it), then extrapolate to the work left after prefix reuse: distinct contexts
        // + continuations. Few documents per MMLU subject share less than a full run does, so the
        // estimate errs long.
        let lm = try EvalBenchCommand.loadModel(URL(fileURLWithPath: modelPath), options: options, cacheDirectory: nil)
        let nonEmpty = perRun.indices.filter { !perRun[$0].isEmpty }
        let runStep = max(1, nonEmpty.count / 12)
        var sample: [LoglikelihoodRequest] = []
        var sampleSize = 0
        var sampleContexts = Set<String>()
        for r in stride(from: 0, to: nonEmpty.count, by: runStep).prefix(12).map({ nonEmpty[$0] }) {
            let docs = perRun[r]
            for d in docs[(docs.count / 2)..<min(docs.count, docs.count / 2 + 4)] {
                if sampleContexts.insert(d.context).inserted { sampleSize += contextSize(d.context) }
                for q in d.requests { sample.append(q); sampleSize += size(q.continuation) }
            }
        }
        let t0 = Date()
        _ = try lm.loglikelihood(sample, progress: nil)
        let secs = Date().timeIntervalSince(t0)
        if let llama = lm as? LlamaLanguageModel {
            // The scorer's own plan gives the exact positions to compute after prefix reuse.
            let perSecond = Double(llama.stats.tokensComputed) / max(secs, 1e-9)
            let planned = try llama.scorer.plannedWork(unique)
            print(String(format: "Measured %.0f computed positions/s on %d sample requests (%.2f s). The plan computes %d positions (%d logit rows) for %d unique requests, against %d context + %d continuation tokens as lm-eval runs them. Estimated time: %@.",
                         perSecond, sample.count, secs, planned.tokens, planned.logitRows, unique.count, totalCtx, totalCont,
                         ProgressBar.clock(Double(planned.tokens) / perSecond)))
            return
        }
        let rate = Double(sampleSize) / max(secs, 1e-9)
        let withReuse = Double(totalDistinct + totalCont) / rate
        let without = Double(totalCtx + totalCont) / rate
        print(String(format: "Measured %.0f %@/s on %d sample requests (%.2f s). Estimated time: %@ with prefix reuse (%@ if every request ran alone).",
                     rate, unit, sample.count, secs, ProgressBar.clock(withReuse), ProgressBar.clock(without)))
    }
}

/// A one-line progress bar with rate and ETA on stderr, redrawn at most 4 times a second.
final class ProgressBar {
    let label: String
    let start = Date()
    var last = Date.distantPast
    var drawn = false
    init(label: String) { self.label = label }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }

    func update(_ done: Int, _ total: Int) {
        let now = Date()
        guard done >= total || now.timeIntervalSince(last) >= 0.25 else { return }
        last = now
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(frac * Double(width))
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d %3.0f%% %.1f req/s elapsed %@ ETA %@",
                          label, bar, done, total, frac * 100, rate, ProgressBar.clock(elapsed), ProgressBar.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
