import Foundation

/// One scored document (lm-eval's per-sample log entry plus the numbers behind it).
public struct SampleResult {
    public var docID: Int
    public var doc: JSONObject
    public var target: JSONValue
    public var context: String
    public var choices: [String]
    public var continuations: [String]
    public var results: [LoglikelihoodResult]
    public var gold: Int
    public var prediction: Int
    public var predictionNorm: Int
    public var metrics: [(String, Double)]
    /// Set for generate_until tasks (request, response, list metrics); nil for multiple choice.
    public var generation: GenerationSample? = nil
}

/// A leaf task's outcome.
public struct TaskResult {
    public var label: String
    public var run: TaskRun
    public var samples: [SampleResult]
    /// Metric name → (mean, stderr or nil for "N/A"), in metric_list order.
    public var metrics: [(name: String, value: Double, stderr: Double?)]
    /// Requests whose context was left-truncated to the model window, and the tokens dropped.
    public var truncatedRequests: Int
    public var truncatedTokens: Int
    /// Anomalies worth a line in the log (e.g. MC2 NaN when every probability underflows).
    public var warnings: [String] = []
}

public struct GroupResult {
    public var label: String
    public var group: GroupRun
    public var metrics: [(name: String, value: Double, stderr: Double?)]
    public var samples: Int
}

public struct EvaluationReport {
    public var plan: EvaluationPlan
    public var options: EvaluationOptions
    public var tasks: [TaskResult]
    public var groups: [GroupResult]
    public var requestCount: Int
    public var uniqueRequestCount: Int
    public var seconds: Double

    public func task(_ label: String) -> TaskResult? { tasks.first { $0.label == label } }
    public func group(_ label: String) -> GroupResult? { groups.first { $0.label == label } }
}

/// Builds every request of a plan, scores them with one `loglikelihood` call (so the model side
/// can share prefixes across the whole run), and computes lm-eval's metrics and aggregates.
public final class Evaluator {
    /// Renders chat contexts under `--apply_chat_template` (the model's tokenizer); when nil, run()
    /// takes it from the model.
    public var chatTemplate: ChatTemplating?
    public init(chatTemplate: ChatTemplating? = nil) { self.chatTemplate = chatTemplate }

    /// The requests of one run's limited documents: per document its context, choices, gold and
    /// the (context, delimiter + choice) pairs.
    public struct DocRequests {
        public var docID: Int
        public var context: String
        public var choices: [String]
        public var gold: Int
        public var requests: [LoglikelihoodRequest]
    }

    public func requests(for run: TaskRun, limit: Double?, chat: ChatOptions = ChatOptions()) throws -> [DocRequests] {
        let task = run.task
        let n = task.limitedCount(limit)
        var out: [DocRequests] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let doc = task.docs[i]
            do {
                let ctx = try task.context(doc, numFewshot: run.numFewshot, docID: i, chat: chat, template: chatTemplate)
                let choices = try task.choices(doc)
                let gold = try task.goldIndex(doc, choices: choices)
                // lm-eval: under a chat template the target delimiter is "".
                let delimiter = chat.applyChatTemplate ? "" : task.config.targetDelimiter
                let reqs = choices.map {
                    LoglikelihoodRequest(context: ctx, continuation: delimiter + $0)
                }
                out.append(DocRequests(docID: i, context: ctx, choices: choices, gold: gold, requests: reqs))
            } catch let e as TemplateError {
                throw TaskError.badDocument(task: task.name, docID: i, message: e.description)
            }
        }
        return out
    }

    /// All requests of the plan, de-duplicated (identical requests must get identical scores).
    public func allRequests(_ plan: EvaluationPlan, options: EvaluationOptions) throws
        -> (perRun: [[DocRequests]], unique: [LoglikelihoodRequest], index: [LoglikelihoodRequest: Int]) {
        var perRun: [[DocRequests]] = []
        var unique: [LoglikelihoodRequest] = []
        var index: [LoglikelihoodRequest: Int] = [:]
        for run in plan.runs {
            if run.task.config.isGeneration { perRun.append([]); continue }
            let docs = try requests(for: run, limit: options.limit, chat: options.chat)
            for d in docs {
                for r in d.requests where index[r] == nil {
                    index[r] = unique.count
                    unique.append(r)
                }
            }
            perRun.append(docs)
        }
        return (perRun, unique, index)
    }

    public func run(_ plan: EvaluationPlan, model: LanguageModel, options: EvaluationOptions,
                    progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationReport {
        try run(plan, model: Optional(model), predictions: nil, options: options, progress: progress)
    }

    /// Log-likelihood tasks are scored by `model`; generation tasks take their responses from
    /// `predictions` when given, else generate them with `model` (all generation requests of the
    /// plan in one call, so the model can batch them).
    public func run(_ plan: EvaluationPlan, model: LanguageModel?, predictions: PredictionSet?,
                    options: EvaluationOptions, progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationReport {
        let start = Date()
        if chatTemplate == nil { chatTemplate = model as? ChatTemplating }
        let (perRun, unique, index) = try allRequests(plan, options: options)
        var scored: [LoglikelihoodResult] = []
        if !unique.isEmpty {
            guard let model = model else { throw EvaluationError.needsModel(tasks: plan.runs.filter { !$0.task.config.isGeneration }.map(\.label)) }
            let total = unique.count
            scored = try model.loglikelihood(unique) { done in progress?(done, total) }
            guard scored.count == unique.count else {
                throw TaskError.badDocument(task: "-", docID: -1,
                                            message: "model returned \(scored.count) results for \(unique.count) requests")
            }
        }
        // Generation: every run's requests, then responses by run.
        var genRequests: [[(docID: Int, request: GenerationRequest, kwargs: JSONObject)]] = []
        var genResponses: [[String]] = []
        var flat: [GenerationRequest] = []
        for run in plan.runs {
            let r = run.task.config.isGeneration ? try generationRequests(for: run, limit: options.limit, chat: options.chat, maxGenToks: options.maxGenToks) : []
            genRequests.append(r)
            flat += r.map(\.request)
        }
        if let p = predictions {
            for (run, r) in zip(plan.runs, genRequests) {
                genResponses.append(run.task.config.isGeneration ? try p.responses(for: run, docIDs: r.map(\.docID)) : [])
            }
            try p.checkUnused()
        } else if !flat.isEmpty {
            guard let model = model else { throw EvaluationError.needsModel(tasks: plan.runs.filter { $0.task.config.isGeneration }.map(\.label)) }
            let out = try model.generateUntil(flat) { done in progress?(done, flat.count) }
            var k = 0
            for r in genRequests { genResponses.append(Array(out[k..<(k + r.count)])); k += r.count }
        } else {
            genResponses = genRequests.map { _ in [] }
        }
        var taskResults: [TaskResult] = []
        for (n, (run, docs)) in zip(plan.runs, perRun).enumerated() {
            if run.task.config.isGeneration {
                taskResults.append(try scoreGeneration(run: run, requests: genRequests[n], responses: genResponses[n]))
            } else {
                taskResults.append(try score(run: run, docs: docs, scored: scored, index: index, options: options))
            }
        }
        let groupResults = aggregateGroups(plan.groups, tasks: taskResults)
        return EvaluationReport(plan: plan, options: options, tasks: taskResults, groups: groupResults,
                                requestCount: perRun.reduce(0) { $0 + $1.reduce(0) { $0 + $1.requests.count } } + flat.count,
                                uniqueRequestCount: unique.count + flat.count, seconds: Date().timeIntervalSince(start))
    }

    func score(run: TaskRun, docs: [DocRequests], scored: [LoglikelihoodResult],
               index: [LoglikelihoodRequest: Int], options: EvaluationOptions) throws -> TaskResult {
        let cfg = run.task.config
        var samples: [SampleResult] = []
        var values: [String: [Double]] = [:]
        var truncReq = 0, truncTok = 0
        for d in docs {
            let results = d.requests.map { scored[index[$0]!] }
            for r in results where r.truncatedTokens > 0 { truncReq += 1; truncTok += r.truncatedTokens }
            let lls = results.map(\.logprob)
            let pred = Metrics.argmax(lls)
            let predNorm = Metrics.normalizedPrediction(lls: lls, choices: d.choices)
            var m: [(String, Double)] = []
            let doc = run.task.docs[d.docID]
            if let p = cfg.processResults {
                let out = try NamedFunctions.processResults[p]!(doc, lls, options)
                for spec in cfg.metrics { if let v = out[spec.metric] { m.append((spec.metric, v)) } }
            } else {
                for spec in cfg.metrics {
                    switch spec.metric {
                    case "acc": m.append(("acc", pred == d.gold ? 1 : 0))
                    case "acc_norm": m.append(("acc_norm", predNorm == d.gold ? 1 : 0))
                    default: break
                    }
                }
            }
            for (k, v) in m { values[k, default: []].append(v) }
            samples.append(SampleResult(docID: d.docID, doc: doc, target: try run.task.target(doc), context: d.context,
                                        choices: d.choices, continuations: d.requests.map(\.continuation),
                                        results: results, gold: d.gold, prediction: pred, predictionNorm: predNorm,
                                        metrics: m))
        }
        let metrics = cfg.metrics.compactMap { spec -> (name: String, value: Double, stderr: Double?)? in
            guard let xs = values[spec.metric], !xs.isEmpty else { return nil }
            return (spec.metric, Metrics.mean(xs), Metrics.meanStderr(xs))
        }
        var warnings: [String] = []
        let nanDocs = samples.filter { $0.metrics.contains { $0.1.isNaN } }.map(\.docID)
        if !nanDocs.isEmpty {
            warnings.append("\(run.label): metric is NaN for \(nanDocs.count) document(s) (every probability underflowed), doc ids \(nanDocs.prefix(10).map(String.init).joined(separator: ", ")); the task mean is NaN, as in lm-eval")
        }
        return TaskResult(label: run.label, run: run, samples: samples, metrics: metrics,
                          truncatedRequests: truncReq, truncatedTokens: truncTok, warnings: warnings)
    }

    /// lm-eval `consolidate_group_results`: each group's metric is the size-weighted mean over its
    /// leaf tasks and its stderr the pooled stderr over those leaves ("N/A" if any leaf has none).
    func aggregateGroups(_ groups: [GroupRun], tasks: [TaskResult]) -> [GroupResult] {
        let byLabel = Dictionary(tasks.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        return groups.map { g in
            let leaves = g.leafLabels.compactMap { byLabel[$0] }
            var metrics: [(name: String, value: Double, stderr: Double?)] = []
            for agg in g.config.aggregation {
                var vals: [Double] = [], sizes: [Int] = [], errs: [Double?] = []
                for t in leaves {
                    guard let m = t.metrics.first(where: { $0.name == agg.metric }) else { continue }
                    vals.append(m.value); sizes.append(t.samples.count); errs.append(m.stderr)
                }
                guard !vals.isEmpty else { continue }
                let v = Metrics.weightedMean(vals, sizes: sizes, weightBySize: agg.weightBySize)
                let se: Double? = errs.contains(where: { $0 == nil }) ? nil
                    : Metrics.pooledStderr(errs.map { $0! }, sizes: sizes)
                metrics.append((agg.metric, v, se))
            }
            return GroupResult(label: g.label, group: g, metrics: metrics,
                               samples: leaves.reduce(0) { $0 + $1.samples.count })
        }
    }
}
