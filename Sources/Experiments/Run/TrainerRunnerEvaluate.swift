import Checkpoints
import Evaluation
import Foundation

extension TrainerRunner {
    /// Options lm-eval spells the same way, from the profile's `evaluation:` block.
    static let evaluationKeys: Set<String> = ["tasks", "limit", "max_gen_toks", "num_fewshot", "add_bos", "mc2"]

    /// Scores `checkpoint` with the Evaluator as `sftgo-bench --tasks all --log_samples` does: the
    /// results JSON is ResultsWriter's (lm-eval's shape plus provenance), the per-item logs its
    /// sample records, one `samples_<label>.jsonl` per task label (MMLU's are its subtasks, which
    /// the results' `group_subtasks` lists).
    public func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL,
                         progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome {
        let e = cell.evaluation
        func bad(_ k: String, _ why: String) -> SpecError { SpecError(file: "-", field: "\(cell.id).evaluation.\(k)", message: why) }
        for (k, _) in e.pairs where !Self.evaluationKeys.contains(k) {
            throw bad(k, "not an evaluator option this runner knows (have: \(Self.evaluationKeys.sorted().joined(separator: ", ")))")
        }
        let limit = e["limit"].flatMap { $0 == .null ? nil : $0.doubleValue }
        if let l = limit, !(l.isFinite && l > 0) { throw bad("limit", "a number of documents or a fraction below 1") }
        var options = EvaluationOptions(limit: limit, numFewshot: e["num_fewshot"]?.intValue, addBOS: e["add_bos"]?.boolValue ?? false,
                                        logSamples: true)
        if let v = e["mc2"]?.stringValue {
            guard let m = MC2Variant(rawValue: v) else { throw bad("mc2", "v2 or v3") }
            options.mc2Variant = m
        }
        options.maxGenToks = e["max_gen_toks"]?.intValue
        let names: [String]
        if let a = e["tasks"]?.arrayValue { names = a.compactMap(\.stringValue) }
        else { names = (e["tasks"]?.stringValue ?? "all").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let items = names == ["all"] ? EvaluationPlan.allItems : names.map { EvaluationPlan.Item(name: $0) }

        guard let tasksURL = tasksDirectory ?? TaskRegistry.defaultDirectory() else {
            throw SpecError(file: "-", field: "tasks", message: "task YAML directory not found: set SFTGO_TASKS_DIR")
        }
        let registry = try TaskRegistry(directory: tasksURL)
        let data = DataSource(directory: evalDataDirectory ?? locations.dataDirectory)
        let plan = try EvaluationPlan.build(items: items, registry: registry, data: data, options: options)
        let say = { (s: String) -> Void in _ = try? AtomicFile.appendLine(s, to: log) }
        for u in plan.unavailable { say("note: \(u) is not available") }
        let started = Date()
        let lm = try LlamaLanguageModel(directory: checkpoint, options: ScoringOptions(addBOS: options.addBOS, cacheDirectory: nil))
        let report = try Evaluator().run(plan, model: lm, options: options) { done, total in
            progress(CellProgress(phase: .evaluate, done: done, total: total))
        }
        for t in report.tasks {
            for w in t.warnings { say("warning: \(w)") }
            let safe = t.label.replacingOccurrences(of: "/", with: "_")
            let text = t.samples.map { ResultsWriter.sampleJSON($0).serialized() + "\n" }.joined()
            try AtomicFile.write(text, to: samples.appendingPathComponent("samples_\(safe).jsonl"))
        }
        say(ResultsWriter.markdownTable(report))
        let line = String(format: "%d requests (%d unique) in %.1f s", report.requestCount, report.uniqueRequestCount, report.seconds)
        say(line)
        var prov = Provenance(gitCommit: Provenance.gitCommit(), modelPath: checkpoint.path, modelIdentity: lm.identity,
                              dataDirectory: data.directory.path, checksumsVerified: data.verifiesChecksums, startedAt: started)
        prov.extra["scoring"] = .string(lm.stats.summary(items: report.tasks.reduce(0) { $0 + $1.samples.count }))
        let g = lm.generator.stats
        if g.requests > 0 {
            prov.extra["generation"] = .string(String(format: "%d generation requests: %d tokens in %.1f s", g.requests,
                                                      g.generatedTokens, g.seconds))
        }
        let results = ResultsWriter.resultsJSON(report, provenance: prov)
        speed.record(RunnerSpeed.evalKey(cell), seconds: Date().timeIntervalSince(started))
        return EvalOutcome(results: results, provenance: JSONObject([
            ("tasks", .string(names.joined(separator: ","))), ("limit", limit.map { .double($0) } ?? .null),
            ("max_gen_toks", options.maxGenToks.map { .int($0) } ?? .null), ("requests", .string(line)),
            ("model_identity", .string(lm.identity))]))
    }
}
