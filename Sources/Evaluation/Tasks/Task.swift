import Foundation

public enum TaskError: Error, CustomStringConvertible {
    case noFewshotSplit(task: String, requested: Int)
    case notEnoughFewshotDocs(task: String, requested: Int, available: Int)
    case notYetAvailable(task: String)
    case badDocument(task: String, docID: Int, message: String)

    public var description: String {
        switch self {
        case .noFewshotSplit(let t, let n):
            return "task \(t) has no few-shot split in this data set; --num_fewshot \(n) is not possible (use 0)"
        case .notEnoughFewshotDocs(let t, let n, let a):
            return "task \(t): \(n) few-shot examples requested, its few-shot split has \(a)"
        case .notYetAvailable(let t):
            return "task \(t) is a generation task that comes with Evaluator II; not yet available"
        case .badDocument(let t, let d, let m):
            return "task \(t), document \(d): \(m)"
        }
    }
}

/// A task with its documents loaded: renders contexts, choices and gold indices as lm-eval 0.4.8.
public final class Task {
    public let config: TaskConfig
    public let docs: [JSONObject]
    public let fewshotDocs: [JSONObject]
    /// Data files read (relative path → sha256 when verified, else "unverified").
    public let dataFiles: [String: String]
    /// lm-eval's `fewshot_random_seed` (simple_evaluate's default 1234), for the random sampler.
    public let fewshotSeed: Int
    let sampler: FewshotSampler

    public var name: String { config.name }

    public init(config: TaskConfig, docs: [JSONObject], fewshotDocs: [JSONObject] = [], dataFiles: [String: String] = [:],
                fewshotSeed: Int = 1234) {
        self.config = config
        self.docs = docs
        self.fewshotDocs = fewshotDocs
        self.dataFiles = dataFiles
        self.fewshotSeed = fewshotSeed
        sampler = FewshotSampler(kind: config.fewshotSampler, seed: fewshotSeed, populationSize: fewshotDocs.count)
    }

    /// Reads the test split (and the few-shot split when `needFewshot`) through `data`.
    public static func load(_ config: TaskConfig, data: DataSource, needFewshot: Bool) throws -> Task {
        guard config.status == "available" else { throw TaskError.notYetAvailable(task: config.name) }
        var files: [String: String] = [:]
        func read(_ split: String) throws -> [JSONObject] {
            let spec = config.splits[split]!
            let url = try data.file(spec)
            files[spec.path] = data.verifiedFiles[spec.path] ?? "unverified"
            var docs = try DocumentReader.read(url: url, displayPath: spec.path, format: spec.format,
                                               schema: spec.schema, subject: config.datasetName)
            if let p = config.processDocs, let f = NamedFunctions.processDocs[p] {
                docs = try docs.map(f)
            }
            return docs
        }
        let docs = try read(config.testSplit)
        var fewshot: [JSONObject] = []
        if needFewshot, let f = config.fewshotSplit {
            fewshot = f == config.testSplit ? docs : try read(f)
        }
        return Task(config: config, docs: docs, fewshotDocs: fewshot, dataFiles: files)
    }

    /// The shots this task runs with under a CLI override (lm-eval: tasks whose config fixes 0 ignore it).
    public func effectiveFewshot(_ requested: Int?) throws -> Int {
        guard let n = requested, !config.numFewshotFixed else { return config.numFewshot }
        if n > 0 {
            guard config.fewshotSplit != nil else { throw TaskError.noFewshotSplit(task: name, requested: n) }
        }
        return n
    }

    func scope(_ doc: JSONObject) -> Template.Scope { Template.Scope(doc: doc, vars: config.vars) }

    /// `doc_to_text`: a bare column name gives that column, otherwise the rendered template.
    public func text(_ doc: JSONObject) throws -> String {
        if let v = doc[config.docToText.source] { return v.jinjaText }
        return try config.docToText.render(scope(doc))
    }

    public func choices(_ doc: JSONObject) throws -> [String] {
        guard let spec = config.docToChoice else { return [] }
        switch spec {
        case .literal(let c): return c
        case .function(let f): return try NamedFunctions.docToChoice[f]!(doc)
        case .template(let t):
            var v: JSONValue
            if let col = doc[t.source] { v = col } else { v = try t.value(scope(doc)) }
            if case .string(let s) = v {
                // lm-eval's ast.literal_eval of the rendered text.
                v = try Template("{{" + s + "}}").value(Template.Scope(doc: JSONObject()))
            }
            guard let a = v.arrayValue else { throw TemplateError.evaluation(t.source, "doc_to_choice must give a list") }
            return a.map(\.jinjaText)
        }
    }

    /// `doc_to_target` as lm-eval returns it: an int, or a string.
    public func target(_ doc: JSONObject) throws -> JSONValue {
        switch config.docToTarget {
        case .index(let i): return .int(i)
        case .template(let t):
            if let col = doc[t.source] { return col }
            let s = try t.render(scope(doc))
            if !s.isEmpty, s.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }),
               config.docToChoice != nil, let i = Int(s) {
                return .int(i)
            }
            return .string(s)
        }
    }

    /// The gold choice index, −100 when out of range or not among the choices (lm-eval's marker).
    public func goldIndex(_ doc: JSONObject, choices: [String]) throws -> Int {
        switch try target(doc) {
        case .int(let i): return i < choices.count ? i : -100
        case .string(let s): return choices.firstIndex(of: s) ?? -100
        case let v: throw TemplateError.evaluation("doc_to_target", "unsupported target \(v.pythonRepr)")
        }
    }

    /// The text a few-shot example shows after the target delimiter.
    func fewshotTargetText(_ doc: JSONObject) throws -> String {
        let t = try target(doc)
        if config.docToChoice == nil { return t.jinjaText }
        switch t {
        case .string(let s): return s
        case .int(let i):
            let c = try choices(doc)
            guard i >= 0 && i < c.count else { throw TemplateError.evaluation("doc_to_target", "few-shot target \(i) out of range") }
            return c[i]
        case .array(let a): return a.first?.jinjaText ?? ""
        default: return t.jinjaText
        }
    }

    /// description + few-shot block + doc_to_text(doc), exactly as lm-eval's `fewshot_context`.
    /// `docID` is the document's index in `docs` (the random sampler's draw depends on it); when
    /// nil it is looked up.
    public func context(_ doc: JSONObject, numFewshot: Int, docID: Int? = nil) throws -> String {
        var out = try config.description.render(scope(doc))
        out += try fewshotBlock(fewshotExamples(doc, numFewshot: numFewshot, docID: docID))
        out += try text(doc)
        return out
    }

    /// The examples lm-eval's sampler selects for `doc` (none at 0 shots).
    func fewshotExamples(_ doc: JSONObject, numFewshot: Int, docID: Int?) throws -> [JSONObject] {
        guard numFewshot > 0 else { return [] }
        guard config.fewshotSplit != nil else { throw TaskError.noFewshotSplit(task: name, requested: numFewshot) }
        // lm-eval draws one extra when sampling from the evaluated split, then drops the doc.
        let sameSplit = config.fewshotSplit == config.testSplit
        let n = sameSplit ? numFewshot + 1 : numFewshot
        guard n <= fewshotDocs.count else {
            throw TaskError.notEnoughFewshotDocs(task: name, requested: n, available: fewshotDocs.count)
        }
        var index = 0
        if config.fewshotSampler == .random {
            guard let i = docID ?? docs.firstIndex(of: doc) else {
                throw TaskError.badDocument(task: name, docID: -1, message: "document is not in the task's test split")
            }
            index = i
        }
        let drawn = sampler.draw(docIndex: index, count: n)!
        return Array(drawn.map { fewshotDocs[$0] }.filter { $0 != doc }.prefix(numFewshot))
    }

    /// The sampler's `get_context`: each example's text, then delimiter + target + fewshot
    /// delimiter when the target is not empty.
    func fewshotBlock(_ examples: [JSONObject]) throws -> String {
        var out = ""
        for ex in examples {
            out += try text(ex)
            let tgt = try fewshotTargetText(ex)
            if !tgt.isEmpty {
                out += config.targetDelimiter + tgt + config.fewshotDelimiter
            }
        }
        return out
    }

    /// The first `limit` documents (lm-eval `--limit`: a count, or a fraction below 1 → ceil).
    public func limitedCount(_ limit: Double?) -> Int {
        guard let l = limit else { return docs.count }
        // Commands refuse NaN, infinities and non-positive limits; here they cannot trap the conversion.
        guard l.isFinite, l > 0 else { return l.isNaN || l < 0 ? 0 : docs.count }
        if l < 1.0 { return min(docs.count, Int((Double(docs.count) * l).rounded(.up))) }
        return l >= Double(docs.count) ? docs.count : Int(l)
    }
}
