// The generate_until half of the evaluator: one GenerationRequest per document (context exactly as
// for multiple choice, lm-eval's `generation_kwargs` with its defaults), responses from the model
// or from a predictions file, and per-document metrics from the scorer the task names in
// `process_results` (GenerationMetrics), aggregated as its metric_list says.
import Foundation

/// A generation task's document: its request and, once known, the response and the scores.
public struct GenerationSample {
    public var request: GenerationRequest
    public var response: String
    /// List-valued metrics (IFEval's instruction-level verdicts), per-sample extra log fields.
    public var listMetrics: [(String, [Double])]
    public var extra: [(String, JSONValue)]
    /// The `generation_kwargs` logged as the request's second argument.
    public var kwargs: JSONObject
}

/// lm-eval's HF backend default for `max_gen_toks`.
public let defaultMaxGenToks = 256

extension Evaluator {
    /// The request of every limited document of a generation run, in doc order.
    public func generationRequests(for run: TaskRun, limit: Double?, chat: ChatOptions = ChatOptions(),
                                   maxGenToks: Int? = nil) throws -> [(docID: Int, request: GenerationRequest, kwargs: JSONObject)] {
        let task = run.task
        let kw = task.config.generationKwargs
        // lm-eval: no until given → [fewshot_delimiter]; the logged kwargs carry it.
        let until = kw.until ?? [task.config.fewshotDelimiter]
        var logged = kw.raw
        logged["until"] = .array(until.map { .string($0) })
        if logged["do_sample"] == nil { logged["do_sample"] = .bool(false) }
        if let m = maxGenToks { logged["max_gen_toks"] = .int(m) }
        var out: [(Int, GenerationRequest, JSONObject)] = []
        for i in 0..<task.limitedCount(limit) {
            do {
                let ctx = try task.context(task.docs[i], numFewshot: run.numFewshot, docID: i, chat: chat, template: chatTemplate)
                out.append((i, GenerationRequest(context: ctx, until: until, maxGenTokens: maxGenToks ?? kw.maxGenToks ?? defaultMaxGenToks), logged))
            } catch let e as TemplateError {
                throw TaskError.badDocument(task: task.name, docID: i, message: e.description)
            }
        }
        return out
    }

    /// Scores one generation run's responses (in the order of `generationRequests`).
    func scoreGeneration(run: TaskRun, requests: [(docID: Int, request: GenerationRequest, kwargs: JSONObject)],
                         responses: [String]) throws -> TaskResult {
        let cfg = run.task.config
        guard let name = cfg.processResults, let scorer = GenerationMetrics.scorer(name) else {
            throw TaskError.badDocument(task: cfg.name, docID: -1, message: "no generation scorer '\(cfg.processResults ?? "")'")
        }
        var samples: [SampleResult] = []
        var numbers: [String: [Double]] = [:], lists: [String: [Double]] = [:]
        for ((docID, req, kwargs), response) in zip(requests, responses) {
            let doc = run.task.docs[docID]
            let score: GenerationScore
            do { score = try scorer(doc, response) } catch let e as TemplateError {
                throw TaskError.badDocument(task: cfg.name, docID: docID, message: e.description)
            }
            var m: [(String, Double)] = [], lm: [(String, [Double])] = []
            for (k, v) in score.metrics {
                switch v {
                case .number(let x): m.append((k, x)); numbers[k, default: []].append(x)
                case .list(let xs): lm.append((k, xs)); lists[k, default: []] += xs
                }
            }
            var s = SampleResult(docID: docID, doc: doc, target: try run.task.target(doc), context: req.context,
                                 choices: [], continuations: [], results: [], gold: -1, prediction: -1,
                                 predictionNorm: -1, metrics: m)
            s.generation = GenerationSample(request: req, response: response, listMetrics: lm, extra: score.extra, kwargs: kwargs)
            samples.append(s)
        }
        var metrics: [(name: String, value: Double, stderr: Double?)] = []
        for spec in cfg.metrics {
            switch spec.aggregation {
            case "agg_inst_level_acc":
                if let xs = lists[spec.metric], !xs.isEmpty { metrics.append((spec.metric, Metrics.mean(xs), nil)) }
            default:
                if let xs = numbers[spec.metric], !xs.isEmpty { metrics.append((spec.metric, Metrics.mean(xs), Metrics.meanStderr(xs))) }
            }
        }
        return TaskResult(label: run.label, run: run, samples: samples, metrics: metrics,
                          truncatedRequests: 0, truncatedTokens: 0)
    }
}
