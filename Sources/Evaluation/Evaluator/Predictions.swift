// `--predictions FILE`: responses produced elsewhere (another engine, a hosted model), scored
// instead of generating. A JSON-lines file whose rows are either IFEval's reference format
// `{"prompt": ..., "response": ...}` (for TruthfulQA the prompt is the question) or lm-eval's own
// `samples_<task>_*.jsonl` rows (`doc` and `resps`, the first response of the first list). A row
// matches the document whose `predictions_key` field (the task YAML's; IFEval `prompt`, TruthfulQA
// `question`) equals its prompt. Task documents the file lacks, and rows no task has, are errors
// unless `allowMissing`, which scores a missing response as "" and counts both in warnings.
import Foundation

public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case needsModel(tasks: [String])
    case predictions(path: String, line: Int?, message: String)

    public var description: String {
        switch self {
        case .needsModel(let t):
            return "tasks \(t.joined(separator: ", ")) need a model (--model DIR); --predictions only supplies generation responses"
        case .predictions(let p, let l, let m):
            return l.map { "\(p):\($0): \(m)" } ?? "\(p): \(m)"
        }
    }
}

public final class PredictionSet {
    public let path: String
    public let allowMissing: Bool
    struct Row { var prompt: String?; var doc: JSONObject?; var response: String; var line: Int }
    let rows: [Row]
    private var used = Set<Int>()
    /// Per task label, the documents the file had no response for (only with allowMissing).
    public private(set) var missing: [String: Int] = [:]
    /// Rows that matched no document of any task (only with allowMissing).
    public private(set) var unused = 0

    public init(url: URL, allowMissing: Bool = false) throws {
        path = url.path
        self.allowMissing = allowMissing
        guard let data = try? Data(contentsOf: url) else {
            throw EvaluationError.predictions(path: url.path, line: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EvaluationError.predictions(path: url.path, line: nil, message: "not UTF-8")
        }
        var rows: [Row] = []
        for (n, line) in PyString.split(text, "\n").enumerated() where !PyString.strip(line).isEmpty {
            let bad = { (m: String) in EvaluationError.predictions(path: url.path, line: n + 1, message: m) }
            let v: JSONValue
            do { v = try JSONValue.parse(line) } catch { throw bad("not JSON: \(error)") }
            guard let o = v.objectValue else { throw bad("expected a JSON object") }
            if let r = o["response"] {
                guard let resp = r.stringValue, let p = o["prompt"]?.stringValue else {
                    throw bad("a {\"prompt\", \"response\"} row needs two strings")
                }
                rows.append(Row(prompt: p, doc: nil, response: resp, line: n + 1))
            } else if let resps = o["resps"] {
                // lm-eval: resps = [[response, ...]] (one request per generation document).
                guard let doc = o["doc"]?.objectValue, let first = resps.arrayValue?.first?.arrayValue?.first?.stringValue else {
                    throw bad("an lm-eval sample row needs \"doc\" and \"resps\": [[\"response\"]]")
                }
                rows.append(Row(prompt: nil, doc: doc, response: first, line: n + 1))
            } else {
                throw bad("expected {\"prompt\", \"response\"} or an lm-eval sample with \"doc\" and \"resps\"")
            }
        }
        self.rows = rows
    }

    func key(_ row: Row, field: String) -> String? {
        row.prompt ?? row.doc?[field]?.stringValue
    }

    /// Responses for the given documents of a generation run, in that order.
    public func responses(for run: TaskRun, docIDs: [Int]) throws -> [String] {
        let cfg = run.task.config
        guard let field = cfg.predictionsKey else {
            throw EvaluationError.predictions(path: path, line: nil, message: "task \(cfg.name) names no predictions_key field")
        }
        var byKey: [String: Int] = [:]
        var byStripped: [String: Int] = [:]
        for (i, r) in rows.enumerated() {
            guard let k = key(r, field: field) else { continue }
            if let j = byKey[k], rows[j].response != r.response {
                throw EvaluationError.predictions(path: path, line: r.line,
                                                  message: "prompt repeats line \(rows[j].line) with a different response")
            }
            if byKey[k] == nil { byKey[k] = i }
            let s = PyString.strip(k)
            if byStripped[s] == nil { byStripped[s] = i }
        }
        var out: [String] = []
        var lacking: [Int] = []
        for id in docIDs {
            guard let k = run.task.docs[id][field]?.stringValue else {
                throw EvaluationError.predictions(path: path, line: nil, message: "task \(cfg.name) document \(id) has no string field '\(field)'")
            }
            // Exact match first (IFEval's reference does a dict lookup), then ignoring surrounding
            // whitespace (TruthfulQA's documents hold the stripped question).
            if let i = byKey[k] ?? byStripped[PyString.strip(k)] {
                used.insert(i)
                out.append(rows[i].response)
            } else {
                lacking.append(id)
                out.append("")
            }
        }
        if !lacking.isEmpty {
            guard allowMissing else {
                let k = run.task.docs[lacking[0]][field]?.stringValue ?? ""
                throw EvaluationError.predictions(path: path, line: nil, message:
                    "no response for \(lacking.count) document(s) of \(run.label), first doc \(lacking[0]) (\(field) \(JSONValue.pythonStringRepr(String(k.prefix(80)))); pass --allow_missing to score them as empty responses")
            }
            missing[run.label, default: 0] += lacking.count
        }
        return out
    }

    /// Rows that matched no document: an error unless allowMissing (then counted).
    public func checkUnused() throws {
        let left = rows.indices.filter { !used.contains($0) }
        guard !left.isEmpty else { return }
        if allowMissing { unused = left.count; return }
        let r = rows[left[0]]
        throw EvaluationError.predictions(path: path, line: r.line, message:
            "\(left.count) row(s) match no document of the requested tasks (with --limit, only the first documents are scored); pass --allow_missing to ignore them")
    }
}
