import Foundation
import Store

/// Facts about a run that lm-eval does not record but our tables need.
public struct Provenance {
    public var gitCommit: String
    public var modelPath: String
    public var modelIdentity: String
    public var dataDirectory: String
    public var checksumsVerified: Bool
    public var startedAt: Date
    /// Further facts (e.g. the scorer's work counters), written as they are.
    public var extra = JSONObject()
    public init(gitCommit: String, modelPath: String, modelIdentity: String, dataDirectory: String,
                checksumsVerified: Bool, startedAt: Date = Date()) {
        self.gitCommit = gitCommit
        self.modelPath = modelPath
        self.modelIdentity = modelIdentity
        self.dataDirectory = dataDirectory
        self.checksumsVerified = checksumsVerified
        self.startedAt = startedAt
    }

    /// `git rev-parse HEAD` of the package checkout, or "unknown".
    public static func gitCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", TaskRegistry.packageRoot.path, "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "unknown" }
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !out.isEmpty ? out : "unknown"
    }
}

/// lm-eval-shaped outputs: results JSON, per-sample JSONL, markdown tables.
public enum ResultsWriter {
    static func number(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .string("N/A") }

    /// Hierarchical order of labels (groups before their children) with depths, as lm-eval prints.
    static func ordered(_ report: EvaluationReport) -> [(label: String, depth: Int)] {
        var out: [(String, Int)] = []
        var seen = Set<String>()
        let groups = Dictionary(report.plan.groups.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        func visit(_ l: String, _ d: Int) {
            guard seen.insert(l).inserted else { return }
            out.append((l, d))
            if let g = groups[l] { for c in g.childLabels { visit(c, d + 1) } }
        }
        for r in report.plan.roots { visit(r, 0) }
        for t in report.tasks { visit(t.label, 0) }
        return out
    }

    static func alias(_ name: String, depth: Int) -> String {
        depth == 0 ? name : String(repeating: " ", count: depth - 1) + " - " + name
    }

    public static func resultsJSON(_ report: EvaluationReport, provenance: Provenance) -> JSONValue {
        var results = JSONObject(), groups = JSONObject(), groupSubtasks = JSONObject()
        var configs = JSONObject(), versions = JSONObject(), nshot = JSONObject()
        var hib = JSONObject(), nsamples = JSONObject()
        let taskByLabel = Dictionary(report.tasks.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        let groupByLabel = Dictionary(report.groups.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })

        for (label, depth) in ordered(report) {
            if let g = groupByLabel[label] {
                var o = JSONObject([("alias", .string(alias(g.group.config.alias ?? label, depth: depth)))])
                for m in g.metrics {
                    o["\(m.name),none"] = .double(m.value)
                    o["\(m.name)_stderr,none"] = number(m.stderr)
                }
                results[label] = .object(o)
                groups[label] = .object(o)
                groupSubtasks[label] = .array(g.group.childLabels.map { .string($0) })
                versions[label] = g.group.config.version
                var h = JSONObject()
                for m in g.metrics { h[m.name] = .bool(true) }
                hib[label] = .object(h)
            } else if let t = taskByLabel[label] {
                let cfg = t.run.task.config
                var o = JSONObject([("alias", .string(alias(cfg.alias ?? label, depth: depth)))])
                for m in t.metrics {
                    o["\(m.name),none"] = .double(m.value)
                    o["\(m.name)_stderr,none"] = number(m.stderr)
                }
                results[label] = .object(o)
                var c = cfg.raw
                c["num_fewshot"] = .int(t.run.numFewshot)
                c["include"] = nil
                configs[label] = .object(c)
                versions[label] = cfg.version
                nshot[label] = .int(t.run.numFewshot)
                var h = JSONObject()
                for m in cfg.metrics { h[m.metric] = .bool(m.higherIsBetter) }
                hib[label] = .object(h)
                nsamples[label] = .object(JSONObject([("original", .int(t.run.task.docs.count)),
                                                      ("effective", .int(t.samples.count))]))
            }
        }
        for t in report.tasks where groupSubtasks[t.label] == nil && !report.plan.groups.contains(where: { $0.childLabels.contains(t.label) }) {
            groupSubtasks[t.label] = .array([])
        }

        var top = JSONObject([("results", .object(results))])
        if groups.count > 0 { top["groups"] = .object(groups) }
        top["group_subtasks"] = .object(groupSubtasks)
        top["configs"] = .object(configs)
        top["versions"] = .object(versions)
        top["n-shot"] = .object(nshot)
        top["higher_is_better"] = .object(hib)
        top["n-samples"] = .object(nsamples)

        var data = JSONObject()
        var trunc = JSONObject()
        var warnings = JSONObject()
        for t in report.tasks {
            for (p, h) in t.run.task.dataFiles.sorted(by: { $0.key < $1.key }) { data[p] = .string(h) }
            trunc[t.label] = .object(JSONObject([("requests", .int(t.truncatedRequests)),
                                                 ("tokens", .int(t.truncatedTokens))]))
            if !t.warnings.isEmpty { warnings[t.label] = .array(t.warnings.map { .string($0) }) }
        }
        let o = report.options
        let iso = ISO8601DateFormatter()
        top["provenance"] = .object(JSONObject([
            ("harness", .string("sftgo Evaluation (lm-evaluation-harness 0.4.8 conventions)")),
            ("git_commit", .string(provenance.gitCommit)),
            ("model_path", .string(provenance.modelPath)),
            ("model_identity", .string(provenance.modelIdentity)),
            ("data_directory", .string(provenance.dataDirectory)),
            ("data_sha256_verified", .bool(provenance.checksumsVerified)),
            ("data_sha256", .object(data)),
            ("options", .object(JSONObject([
                ("limit", o.limit.map { .double($0) } ?? .null),
                ("num_fewshot", o.numFewshot.map { .int($0) } ?? .null),
                ("batch_size", .int(o.batchSize)),
                ("add_bos", .bool(o.addBOS)),
                ("mc2", .string(o.mc2Variant.rawValue)),
                ("apply_chat_template", .bool(o.chat.applyChatTemplate)),
                ("system_instruction", o.chat.systemInstruction.map { .string($0) } ?? .null),
                ("fewshot_as_multiturn", .bool(o.chat.fewshotAsMultiturn)),
                ("predictions", o.predictionsFile.map { .string($0) } ?? .null),
                ("dtype", .string("float32")),
            ]))),
            ("truncation", .object(trunc)),
            ("warnings", .object(warnings)),
            ("requests", .int(report.requestCount)),
            ("unique_requests", .int(report.uniqueRequestCount)),
            ("started_at", .string(iso.string(from: provenance.startedAt))),
            ("seconds", .double(report.seconds)),
        ] + provenance.extra.pairs))
        return .object(top)
    }

    /// lm-eval's per-sample record plus our readable fields (prompt, choices, log-likelihoods,
    /// prediction, gold).
    public static func sampleJSON(_ s: SampleResult) -> JSONValue {
        if let g = s.generation { return generationSampleJSON(s, g) }
        let resps: [JSONValue] = s.results.map {
            .array([.array([.string(JSONValue.pythonFloatRepr($0.logprob)), .string($0.isGreedy ? "True" : "False")])])
        }
        var args = JSONObject()
        for (i, c) in s.continuations.enumerated() {
            args["gen_args_\(i)"] = .object(JSONObject([("arg_0", .string(s.context)), ("arg_1", .string(c))]))
        }
        var o = JSONObject([
            ("doc_id", .int(s.docID)),
            ("doc", .object(s.doc)),
            ("target", .string(s.target.jinjaText)),
            ("arguments", .object(args)),
            ("resps", .array(resps)),
            ("filtered_resps", .array(resps.map { $0.arrayValue![0] })),
            ("filter", .string("none")),
            ("metrics", .array(s.metrics.map { .string($0.0) })),
            ("doc_hash", .string(SHA256.hex(of: Data(JSONValue.object(s.doc).serialized(indent: 2).utf8)))),
            ("prompt_hash", .string(SHA256.hex(of: Data(s.context.utf8)))),
            ("target_hash", .string(SHA256.hex(of: Data(s.target.jinjaText.utf8)))),
        ])
        for (k, v) in s.metrics { o[k] = .double(v) }
        o["prompt"] = .string(s.context)
        o["choices"] = .array(s.choices.map { .string($0) })
        o["loglikelihoods"] = .array(s.results.map { .double($0.logprob) })
        o["is_greedy"] = .array(s.results.map { .bool($0.isGreedy) })
        o["prediction"] = .int(s.prediction)
        o["prediction_norm"] = .int(s.predictionNorm)
        o["gold"] = .int(s.gold)
        let trunc = s.results.map(\.truncatedTokens)
        if trunc.contains(where: { $0 > 0 }) { o["truncated_tokens"] = .array(trunc.map { .int($0) }) }
        return .object(o)
    }

    /// lm-eval's generate_until sample: arguments (context, generation kwargs), resps [[text]],
    /// filtered_resps [text], the metric values (lists for instruction-level ones) and the scorer's
    /// extra fields.
    static func generationSampleJSON(_ s: SampleResult, _ g: GenerationSample) -> JSONValue {
        let target = s.target.jinjaText
        var o = JSONObject([
            ("doc_id", .int(s.docID)),
            ("doc", .object(s.doc)),
            ("target", .string(target)),
            ("arguments", .object(JSONObject([("gen_args_0", .object(JSONObject([
                ("arg_0", .string(g.request.context)), ("arg_1", .object(g.kwargs))])))]))),
            ("resps", .array([.array([.string(g.response)])])),
            ("filtered_resps", .array([.string(g.response)])),
            ("filter", .string("none")),
            ("metrics", .array((s.metrics.map(\.0) + g.listMetrics.map(\.0)).map { .string($0) })),
            ("doc_hash", .string(SHA256.hex(of: Data(JSONValue.object(s.doc).serialized(indent: 2).utf8)))),
            ("prompt_hash", .string(SHA256.hex(of: Data(s.context.utf8)))),
            ("target_hash", .string(SHA256.hex(of: Data(target.utf8)))),
        ])
        for (k, v) in s.metrics { o[k] = .double(v) }
        for (k, v) in g.listMetrics { o[k] = .array(v.map { .double($0) }) }
        for (k, v) in g.extra { o[k] = v }
        return .object(o)
    }

    /// lm-eval's `make_table` layout: one row per metric, groups before their subtasks.
    public static func markdownTable(_ report: EvaluationReport) -> String {
        var rows: [[String]] = []
        let taskByLabel = Dictionary(report.tasks.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        let groupByLabel = Dictionary(report.groups.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        for (label, depth) in ordered(report) {
            if let g = groupByLabel[label] {
                let ver = g.group.config.version.jinjaText
                for (n, m) in g.metrics.enumerated() {
                    rows.append([n == 0 ? alias(label, depth: depth) : "", n == 0 ? ver : "", "none", "",
                                 m.name, "↑", String(format: "%.4f", m.value), "±",
                                 m.stderr.map { String(format: "%.4f", $0) } ?? "N/A"])
                }
            } else if let t = taskByLabel[label] {
                let cfg = t.run.task.config
                for (n, m) in t.metrics.enumerated() {
                    let hib = cfg.metrics.first { $0.metric == m.name }?.higherIsBetter ?? true
                    rows.append([n == 0 ? alias(label, depth: depth) : "", n == 0 ? cfg.version.jinjaText : "", "none",
                                 n == 0 ? String(t.run.numFewshot) : "", m.name, hib ? "↑" : "↓",
                                 String(format: "%.4f", m.value), "±",
                                 m.stderr.map { String(format: "%.4f", $0) } ?? "N/A"])
                }
            }
        }
        let header = ["Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr"]
        let right: Set<Int> = [1, 3, 6, 8]
        var widths = header.map { $0.count }
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            "|" + cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return right.contains(i) ? pad + c : c + pad
            }.joined(separator: "|") + "|"
        }
        var out = line(header) + "\n"
        out += "|" + widths.enumerated().map { i, w in
            right.contains(i) ? String(repeating: "-", count: max(w - 1, 0)) + ":" : String(repeating: "-", count: w)
        }.joined(separator: "|") + "|\n"
        for r in rows { out += line(r) + "\n" }
        if !report.plan.unavailable.isEmpty {
            out += "\nNot yet available (Evaluator II): \(report.plan.unavailable.joined(separator: ", "))\n"
        }
        return out
    }

    /// Writes results_<time>.json, results_<time>.md and (when asked) samples_<label>_<time>.jsonl
    /// under `directory`, each atomically (temporary file, then rename). Returns the paths.
    @discardableResult
    public static func write(_ report: EvaluationReport, provenance: Provenance, to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stamp = { () -> String in
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH-mm-ss.SSSSSS"
            return f.string(from: provenance.startedAt)
        }()
        var written: [URL] = []
        let results = directory.appendingPathComponent("results_\(stamp).json")
        try Data((resultsJSON(report, provenance: provenance).serialized(indent: 2) + "\n").utf8).write(to: results, options: .atomic)
        written.append(results)
        let md = directory.appendingPathComponent("results_\(stamp).md")
        try Data(markdownTable(report).utf8).write(to: md, options: .atomic)
        written.append(md)
        if report.options.logSamples {
            for t in report.tasks {
                let safe = t.label.replacingOccurrences(of: "/", with: "_")
                let url = directory.appendingPathComponent("samples_\(safe)_\(stamp).jsonl")
                var text = ""
                for s in t.samples { text += sampleJSON(s).serialized() + "\n" }
                try Data(text.utf8).write(to: url, options: .atomic)
                written.append(url)
            }
        }
        return written
    }
}
