import ArgumentParser
import Evaluation
import Foundation

/// `sftgo-bench scoring`: log-likelihood scoring throughput of the Swift evaluator on fixed
/// workloads — the Swift side of the comparison with lm-eval 0.4.8 that
/// scripts/reference/lm_eval_timing.py measures on the same documents.
public struct ScoringBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Measure scoring throughput (items/s, scored tokens/s, prefix-reuse saving).",
        discussion: """
        Workloads: mmlu5 (MMLU 5-shot, first document of each of the 57 subjects), mmlu5_<S>x<N> \
        (5-shot, first N documents of the first S subjects, where the few-shot block repeats), \
        hellaswag (first 100 documents), or <task>:<N> (first N documents of any task); generation \
        tasks (ifeval:24, truthfulqa_gen:40) time greedy generation of their requests (items/s and \
        generated tokens/s; IFEval's checkers are not part of the time). Each \
        workload loads the model afresh and uses no request cache; times cover the whole evaluation \
        (requests, tokenisation, forward passes, metrics), and the model load is shown apart.
        """)

    @Option(name: [.customLong("model")], help: "Model directory (Hugging Face layout).")
    var model: String

    @Option(name: [.customLong("workloads")], help: "Comma-separated workloads.")
    var workloads: String = "mmlu5_10x10,hellaswag"

    @Option(name: [.customLong("data-dir"), .customLong("data_dir")], help: "Benchmark data directory.")
    var dataDir: String?

    @Option(name: [.customLong("lm-eval-json"), .customLong("lm_eval_json")],
            help: "JSON lines from scripts/reference/lm_eval_timing.py: print the speed-up against each.")
    var lmEvalJSON: String?

    public init() {}

    struct Workload {
        var items: [EvaluationPlan.Item]
        var limit: Double
    }

    static func workload(_ name: String, registry: TaskRegistry) throws -> Workload {
        if name == "mmlu5" { return Workload(items: [.init(name: "mmlu", numFewshot: 5)], limit: 1) }
        if name == "hellaswag" { return Workload(items: [.init(name: "hellaswag")], limit: 100) }
        if name.hasPrefix("mmlu5_") {
            let p = name.dropFirst(6).split(separator: "x").compactMap { Int($0) }
            guard p.count == 2, p[0] > 0, p[1] > 0 else { throw ValidationError("workload \(name): expected mmlu5_<S>x<N>") }
            let subjects = registry.tasks.keys.filter { $0.hasPrefix("mmlu_") && registry.groups[$0] == nil }.sorted()
            return Workload(items: subjects.prefix(p[0]).map { .init(name: $0, numFewshot: 5) }, limit: Double(p[1]))
        }
        let parts = name.split(separator: ":")
        if parts.count == 2, let n = Double(parts[1]), n > 0 {
            return Workload(items: [.init(name: String(parts[0]))], limit: n)
        }
        throw ValidationError("unknown workload '\(name)' (mmlu5, mmlu5_<S>x<N>, hellaswag, <task>:<N>)")
    }

    public func run() throws {
        guard let tasksURL = TaskRegistry.defaultDirectory() else {
            throw ValidationError("task YAML directory not found: set SFTGO_TASKS_DIR")
        }
        let registry = try TaskRegistry(directory: tasksURL)
        let data = DataSource(directory: try DataSource.resolveDirectory(explicit: dataDir))
        let reference = try lmEvalJSON.map { try Self.readLMEvalTimings(URL(fileURLWithPath: $0)) } ?? [:]
        let evaluator = Evaluator()
        for name in workloads.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let w = try Self.workload(name, registry: registry)
            if w.items.count == 1, var cfg = registry.tasks[w.items[0].name], cfg.isGeneration {
                cfg.status = "available"  // generation speed does not need the task's scorer
                let task = try Task.load(cfg, data: data, needFewshot: false)
                let run = TaskRun(label: cfg.name, task: task, numFewshot: 0)
                let requests = try evaluator.generationRequests(for: run, limit: w.limit).map(\.request)
                let t0 = Date()
                let lm = try LlamaLanguageModel(directory: URL(fileURLWithPath: model))
                let load = Date().timeIntervalSince(t0)
                let t1 = Date()
                _ = try lm.generateUntil(requests, progress: nil)
                let secs = Date().timeIntervalSince(t1)
                let g = lm.generator.stats
                let rate = Double(requests.count) / secs
                print(String(format: "%@: %d items in %.2f s → %.3f items/s, %d generated tokens → %.1f tokens/s (model load %.2f s apart)",
                             name, requests.count, secs, rate, g.generatedTokens, Double(g.generatedTokens) / secs, load))
                for (batch, r) in (reference[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    print(String(format: "  lm-eval 0.4.8 batch %d: %.3f items/s over %d items → sftgo %.2f× faster",
                                 batch, r.itemsPerSecond, r.items, rate / r.itemsPerSecond))
                }
                continue
            }
            let options = EvaluationOptions(limit: w.limit)
            let plan = try EvaluationPlan.build(items: w.items, registry: registry, data: data, options: options)
            let t0 = Date()
            let lm = try LlamaLanguageModel(directory: URL(fileURLWithPath: model))
            let load = Date().timeIntervalSince(t0)
            let report = try evaluator.run(plan, model: lm, options: options)
            let docs = report.tasks.reduce(0) { $0 + $1.samples.count }
            let rate = Double(docs) / report.seconds
            print(String(format: "%@: %d items in %.2f s → %.2f items/s (model load %.2f s apart)",
                         name, docs, report.seconds, rate, load))
            print("  " + lm.stats.summary(items: docs))
            for (batch, r) in (reference[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                print(String(format: "  lm-eval 0.4.8 batch %d: %.3f items/s over %d items → sftgo %.2f× faster",
                             batch, r.itemsPerSecond, r.items, rate / r.itemsPerSecond))
            }
        }
    }

    struct Timing { var items: Int; var itemsPerSecond: Double }

    /// Reads lm_eval_timing.py's output (its --output JSON array, or its stdout: one JSON object a
    /// line) with workload, batch_size, items and items_per_s per measurement.
    static func readLMEvalTimings(_ url: URL) throws -> [String: [Int: Timing]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var objects: [Any] = []
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("[") {
            objects = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] ?? []
        } else {
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                objects.append(try JSONSerialization.jsonObject(with: Data(line.utf8)))
            }
        }
        var out: [String: [Int: Timing]] = [:]
        for case let obj as [String: Any] in objects {
            guard let w = obj["workload"] as? String, let b = obj["batch_size"] as? Int,
                  let items = obj["items"] as? Int, let r = obj["items_per_s"] as? Double else {
                throw ValidationError("\(url.path): each measurement needs workload, batch_size, items, items_per_s")
            }
            out[w, default: [:]][b] = Timing(items: items, itemsPerSecond: r)
        }
        return out
    }
}
