import Foundation

/// One data file of a task split, relative to the data directory.
public struct DataFileSpec: Sendable, Equatable {
    public var path: String
    public var sha256: String?
    public var format: DataFormat
    public var schema: DataSchema
}

/// How `doc_to_choice` is given in YAML.
public enum ChoiceSpec: Sendable, Equatable {
    case literal([String])          // doc_to_choice: ["A", "B", "C", "D"]
    case template(Template)         // "{{choices.text}}" or a bare column name
    case function(String)           // {function: mathqa_options}
}

/// How `doc_to_target` is given in YAML.
public enum TargetSpec: Sendable, Equatable {
    case index(Int)                 // doc_to_target: 0
    case template(Template)         // "{{choices.label.index(answerKey)}}" or a bare column name
}

/// A generate_until task's `generation_kwargs` (greedy only): stop strings and the token budget.
public struct GenerationKwargs: Sendable, Equatable {
    /// nil: lm-eval's default `[fewshot_delimiter]`.
    public var until: [String]?
    /// nil: the backend default (256 in lm-eval's HF backend).
    public var maxGenToks: Int?
    /// The kwargs as written (recorded in the per-sample arguments, as lm-eval logs them).
    public var raw: JSONObject
}

public struct MetricSpec: Sendable, Equatable {
    /// `mean` (with lm-eval's mean_stderr) and IFEval's `agg_inst_level_acc` (flatten the
    /// per-document lists, then mean; stderr N/A).
    public static let aggregations: Set<String> = ["mean", "agg_inst_level_acc"]
    public var metric: String
    public var aggregation: String
    public var higherIsBetter: Bool
}

/// A task YAML after `include` resolution (the lm-eval `TaskConfig` fields we use).
public struct TaskConfig: Sendable {
    public var name: String
    public var alias: String?
    public var tags: [String]
    public var version: JSONValue
    public var outputType: String
    /// `available`, or `not_yet_available` for tasks that come with a later evaluator.
    public var status: String
    public var datasetName: String?
    public var splits: [String: DataFileSpec]
    public var testSplit: String
    public var fewshotSplit: String?
    public var fewshotSampler: FewshotSamplerKind
    public var processDocs: String?
    public var description: Template
    public var docToText: Template
    public var docToChoice: ChoiceSpec?
    public var docToTarget: TargetSpec
    public var targetDelimiter: String
    public var fewshotDelimiter: String
    public var numFewshot: Int
    /// lm-eval's tasks with `num_fewshot: 0` in their own config ignore the CLI value.
    public var numFewshotFixed: Bool
    public var metrics: [MetricSpec]
    public var processResults: String?
    /// generate_until tasks: `generation_kwargs`.
    public var generationKwargs: GenerationKwargs
    /// Which document field identifies it in a `--predictions` file (IFEval's `prompt`,
    /// TruthfulQA's `question`).
    public var predictionsKey: String?
    public var isGeneration: Bool { outputType == "generate_until" }
    public var vars: JSONObject
    /// The merged YAML, reported under `configs` in the results.
    public var raw: JSONObject
    public var sourceFile: String
}

public struct GroupAggregation: Sendable, Equatable {
    public var metric: String
    public var aggregation: String
    public var weightBySize: Bool
}

public struct GroupConfig: Sendable {
    public var name: String
    public var alias: String?
    public var members: [String]
    public var aggregation: [GroupAggregation]
    public var version: JSONValue
    public var sourceFile: String
}

public enum TaskConfigError: Error, CustomStringConvertible {
    case invalid(file: String, field: String, message: String)
    case unknownTask(String, known: [String])
    case duplicate(String, files: [String])
    case includeCycle(String)

    public var description: String {
        switch self {
        case .invalid(let f, let k, let m): return "task file \(f): field '\(k)': \(m)"
        case .unknownTask(let n, let known):
            return "unknown task or group '\(n)'. Known: \(known.joined(separator: ", "))"
        case .duplicate(let n, let files): return "task '\(n)' is defined twice: \(files.joined(separator: ", "))"
        case .includeCycle(let f): return "include cycle through \(f)"
        }
    }
}

extension TaskConfig {
    init(yaml o: JSONObject, file: String) throws {
        func bad(_ k: String, _ m: String) -> TaskConfigError { .invalid(file: file, field: k, message: m) }
        func string(_ k: String) throws -> String? {
            guard let v = o[k], v != .null else { return nil }
            guard let s = v.stringValue else { throw bad(k, "expected a string, found \(v.typeName)") }
            return s
        }
        func template(_ k: String) throws -> Template? {
            guard let s = try string(k) else { return nil }
            do { return try Template(s) } catch { throw bad(k, "\(error)") }
        }
        guard let name = try string("task") else { throw bad("task", "missing") }
        self.name = name
        alias = try string("task_alias")
        switch o["tag"] {
        case nil, .null?: tags = []
        case .string(let s)?: tags = [s]
        case .array(let a)?: tags = a.compactMap(\.stringValue)
        default: throw bad("tag", "expected a string or a list of strings")
        }
        version = o["version"] ?? o["metadata"]?["version"] ?? .null
        outputType = try string("output_type") ?? "multiple_choice"
        status = try string("status") ?? "available"
        datasetName = try string("dataset_name")

        var splits: [String: DataFileSpec] = [:]
        guard let ds = o["dataset"]?.objectValue, let sp = ds["splits"]?.objectValue else {
            throw bad("dataset.splits", "missing (map of split name → {path, sha256, format, schema})")
        }
        for (split, v) in sp.pairs {
            guard let so = v.objectValue, let path = so["path"]?.stringValue else {
                throw bad("dataset.splits.\(split).path", "missing")
            }
            guard let fmt = DataFormat(rawValue: so["format"]?.stringValue ?? "") else {
                throw bad("dataset.splits.\(split).format", "expected csv, json or jsonl")
            }
            let schemaName = so["schema"]?.stringValue ?? "as_is"
            guard let schema = DataSchema(rawValue: schemaName) else {
                throw bad("dataset.splits.\(split).schema", "unknown schema '\(schemaName)'")
            }
            let sha = so["sha256"]?.stringValue
            if let sha = sha, sha.count != 64 || !sha.allSatisfy(\.isHexDigit) {
                throw bad("dataset.splits.\(split).sha256", "expected 64 hex digits")
            }
            splits[split] = DataFileSpec(path: path, sha256: sha?.lowercased(), format: fmt, schema: schema)
        }
        self.splits = splits
        guard let test = try string("test_split") else { throw bad("test_split", "missing") }
        guard splits[test] != nil else { throw bad("test_split", "split '\(test)' is not in dataset.splits") }
        testSplit = test
        fewshotSplit = try string("fewshot_split")
        if let f = fewshotSplit, splits[f] == nil { throw bad("fewshot_split", "split '\(f)' is not in dataset.splits") }
        let sampler = try string("fewshot_sampler") ?? FewshotSamplerKind.random.rawValue
        guard let kind = FewshotSamplerKind(rawValue: sampler) else {
            throw bad("fewshot_sampler", "unknown sampler '\(sampler)'; known: \(FewshotSamplerKind.allCases.map(\.rawValue))")
        }
        fewshotSampler = kind  // lm-eval's default is the seeded random ContextSampler
        processDocs = try string("process_docs")
        if let p = processDocs, NamedFunctions.processDocs[p] == nil {
            throw bad("process_docs", "unknown function '\(p)'; known: \(NamedFunctions.processDocs.keys.sorted())")
        }
        description = try template("description") ?? Template("")
        guard let text = try template("doc_to_text") else { throw bad("doc_to_text", "missing") }
        docToText = text
        switch o["doc_to_choice"] {
        case nil, .null?: docToChoice = nil
        case .array(let a)?:
            let strs = a.compactMap(\.stringValue)
            guard strs.count == a.count else { throw bad("doc_to_choice", "a literal list must hold strings") }
            docToChoice = .literal(strs)
        case .string(let s)?:
            do { docToChoice = .template(try Template(s)) } catch { throw bad("doc_to_choice", "\(error)") }
        case .object(let f)?:
            guard let fn = f["function"]?.stringValue, NamedFunctions.docToChoice[fn] != nil else {
                throw bad("doc_to_choice", "expected {function: name} with name in \(NamedFunctions.docToChoice.keys.sorted())")
            }
            docToChoice = .function(fn)
        default: throw bad("doc_to_choice", "expected a list, a template or {function: name}")
        }
        switch o["doc_to_target"] {
        case .int(let i)?: docToTarget = .index(i)
        case .string(let s)?:
            do { docToTarget = .template(try Template(s)) } catch { throw bad("doc_to_target", "\(error)") }
        default: throw bad("doc_to_target", "expected an integer or a template")
        }
        targetDelimiter = try string("target_delimiter") ?? " "
        fewshotDelimiter = try string("fewshot_delimiter") ?? "\n\n"
        switch o["num_fewshot"] {
        case nil, .null?: numFewshot = 0; numFewshotFixed = false
        case .int(let n)?: numFewshot = n; numFewshotFixed = (n == 0)
        default: throw bad("num_fewshot", "expected an integer")
        }
        var metrics: [MetricSpec] = []
        for (n, m) in (o["metric_list"]?.arrayValue ?? []).enumerated() {
            guard let mo = m.objectValue, let name = mo["metric"]?.stringValue else {
                throw bad("metric_list[\(n)]", "expected {metric, aggregation, higher_is_better}")
            }
            let agg = mo["aggregation"]?.stringValue ?? "mean"
            guard MetricSpec.aggregations.contains(agg) else {
                throw bad("metric_list[\(n)].aggregation", "unknown aggregation '\(agg)'; known: \(MetricSpec.aggregations.sorted())")
            }
            var hib = true
            if case .bool(let b)? = mo["higher_is_better"] { hib = b }
            metrics.append(MetricSpec(metric: name, aggregation: agg, higherIsBetter: hib))
        }
        guard !metrics.isEmpty else { throw bad("metric_list", "missing") }
        self.metrics = metrics
        processResults = try string("process_results")
        guard ["multiple_choice", "generate_until"].contains(outputType) else {
            throw bad("output_type", "expected multiple_choice or generate_until, found '\(outputType)'")
        }
        var kw = GenerationKwargs(until: nil, maxGenToks: nil, raw: o["generation_kwargs"]?.objectValue ?? JSONObject())
        if let g = o["generation_kwargs"], g != .null {
            guard let go = g.objectValue else { throw bad("generation_kwargs", "expected a mapping") }
            switch go["until"] {
            case nil, .null?: break
            case .string(let u)?: kw.until = [u]
            case .array(let a)? where a.allSatisfy({ $0.stringValue != nil }): kw.until = a.map { $0.stringValue! }
            default: throw bad("generation_kwargs.until", "expected a string or a list of strings")
            }
            if let m = go["max_gen_toks"], m != .null {
                guard let v = m.intValue, v > 0 else { throw bad("generation_kwargs.max_gen_toks", "expected a positive integer") }
                kw.maxGenToks = v
            }
            if go["do_sample"]?.boolValue == true {
                throw bad("generation_kwargs.do_sample", "sampling is not supported; the paper's benchmarks decode greedily")
            }
        }
        generationKwargs = kw
        predictionsKey = try string("predictions_key")
        if outputType == "generate_until" {
            if status == "available" {
                guard let p = processResults, GenerationMetrics.scorer(p) != nil else {
                    throw bad("process_results", "a generation task needs a scorer; known: \(GenerationMetrics.names)")
                }
            }
        } else if let p = processResults, NamedFunctions.processResults[p] == nil {
            throw bad("process_results", "unknown function '\(p)'; known: \(NamedFunctions.processResults.keys.sorted())")
        }
        if processResults == nil && status == "available" {
            for m in metrics where m.metric != "acc" && m.metric != "acc_norm" {
                throw bad("metric_list", "metric '\(m.metric)' needs a process_results function")
            }
        }
        vars = o["vars"]?.objectValue ?? JSONObject()
        raw = o
        sourceFile = file
    }
}

extension GroupConfig {
    init(yaml o: JSONObject, file: String) throws {
        func bad(_ k: String, _ m: String) -> TaskConfigError { .invalid(file: file, field: k, message: m) }
        guard let name = o["group"]?.stringValue else { throw bad("group", "missing") }
        self.name = name
        alias = o["group_alias"]?.stringValue
        switch o["task"] {
        case .string(let s)?: members = [s]
        case .array(let a)?:
            members = a.compactMap(\.stringValue)
            guard members.count == a.count else { throw bad("task", "expected task, group or tag names") }
        default: throw bad("task", "expected a list of task, group or tag names")
        }
        var aggs: [GroupAggregation] = []
        for (n, a) in (o["aggregate_metric_list"]?.arrayValue ?? []).enumerated() {
            guard let ao = a.objectValue, let m = ao["metric"]?.stringValue else {
                throw bad("aggregate_metric_list[\(n)]", "expected {metric, weight_by_size}")
            }
            let agg = ao["aggregation"]?.stringValue ?? "mean"
            guard agg == "mean" else { throw bad("aggregate_metric_list[\(n)].aggregation", "only mean is implemented") }
            var w = true
            if case .bool(let b)? = ao["weight_by_size"] { w = b }
            aggs.append(GroupAggregation(metric: m, aggregation: agg, weightBySize: w))
        }
        aggregation = aggs
        version = o["version"] ?? o["metadata"]?["version"] ?? .null
        sourceFile = file
    }
}
