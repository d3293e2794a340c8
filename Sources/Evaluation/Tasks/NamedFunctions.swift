import Foundation

/// Document preprocessors and choice functions that YAML refers to by name, as lm-eval's
/// `!function utils.x`. Each reproduces the lm-eval 0.4.8 function named in its comment.
public enum NamedFunctions {
    // MARK: process_docs

    /// `process_docs: <name>` in a task YAML: document → document.
    public static let processDocs: [String: (JSONObject) throws -> JSONObject] = [
        "hellaswag": hellaswagProcessDoc,
        "truthfulqa_gen": TruthfulQAGeneration.processDoc,
    ]

    /// `hellaswag/utils.py process_docs`: adds `query`, `choices`, `gold` after the HF fields.
    static func hellaswagProcessDoc(_ doc: JSONObject) throws -> JSONObject {
        guard let label = doc["activity_label"]?.stringValue, let a = doc["ctx_a"]?.stringValue,
              let b = doc["ctx_b"]?.stringValue, let endings = doc["endings"]?.arrayValue,
              let gold = doc["label"]?.stringValue.flatMap({ Int($0) }) else {
            throw TemplateError.evaluation("hellaswag", "document lacks activity_label/ctx_a/ctx_b/endings/label")
        }
        let ctx = a + " " + PyString.capitalize(b)
        var out = doc
        out["query"] = .string(hellaswagPreprocess(label + ": " + ctx))
        out["choices"] = .array(endings.map { .string(hellaswagPreprocess($0.stringValue ?? "")) })
        out["gold"] = .int(gold)
        return out
    }

    /// `hellaswag/utils.py preprocess`: strip; " [title]" → ". "; drop `\[.*?\]` spans (no newline
    /// inside); replace "  " by " " in one left-to-right pass.
    static func hellaswagPreprocess(_ text: String) -> String {
        var t = PyString.strip(text)
        t = PyString.replace(t, " [title]", ". ")
        t = removeBracketSpans(t)
        return PyString.replace(t, "  ", " ")
    }

    /// `re.sub(r"\[.*?\]", "", s)`: each '[' up to the nearest ']' with no newline between.
    static func removeBracketSpans(_ s: String) -> String {
        let u = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        outer: while i < u.count {
            if u[i] == "[" {
                var j = i + 1
                while j < u.count, u[j] != "\n" {
                    if u[j] == "]" { i = j + 1; continue outer }
                    j += 1
                }
            }
            out.append(u[i])
            i += 1
        }
        return String(out)
    }

    // MARK: doc_to_choice

    /// `doc_to_choice: {function: <name>}`: document → choice strings.
    public static let docToChoice: [String: (JSONObject) throws -> [String]] = [
        "mathqa_options": mathqaOptions,
    ]

    /// `mathqa/utils.py doc_to_choice`: `[c[4:].rstrip(" ,") for c in re.findall(r"[abcd] \) .*?, |e \) .*?$", options)]`.
    static func mathqaOptions(_ doc: JSONObject) throws -> [String] {
        guard let options = doc["options"]?.stringValue else {
            throw TemplateError.evaluation("mathqa_options", "document has no string field 'options'")
        }
        return mathqaFindAll(options).map { m in
            PyString.strip(String(String.UnicodeScalarView(m.dropFirst(4))), chars: " ,", left: false, right: true)
        }
    }

    /// Python `re.findall` of `[abcd] \) .*?, |e \) .*?$` written out by hand so that `.` (not
    /// newline) and `$` (end, or before a final newline) follow Python, not ICU.
    static func mathqaFindAll(_ s: String) -> [[Unicode.Scalar]] {
        let u = Array(s.unicodeScalars)
        let n = u.count
        var matches: [[Unicode.Scalar]] = []
        func hasPrefix(_ at: Int) -> Bool {
            at + 3 < n && u[at + 1] == " " && u[at + 2] == ")" && u[at + 3] == " "
        }
        var i = 0
        while i < n {
            let c = u[i]
            var end: Int? = nil
            if "abcd".unicodeScalars.contains(c), i + 3 < n, hasPrefix(i) {
                // Lazy `.*?` then ", ": the first ", " reachable without crossing a newline.
                var j = i + 4
                while j + 1 < n {
                    if u[j] == "\n" { break }
                    if u[j] == ",", u[j + 1] == " " { end = j + 2; break }
                    j += 1
                }
            }
            if end == nil, c == "e", i + 3 < n, hasPrefix(i) {
                // Lazy `.*?` then `$`: the first end-of-text (or final-newline) position.
                var j = i + 4
                while j <= n {
                    if j == n || (j == n - 1 && u[j] == "\n") { end = j; break }
                    if u[j] == "\n" { break }
                    j += 1
                }
            }
            if let e = end {
                matches.append(Array(u[i..<e]))
                i = e
            } else {
                i += 1
            }
        }
        return matches
    }

    // MARK: process_results

    /// `process_results: <name>`: (document, log-likelihoods, options) → metric values.
    public static let processResults: [String: (JSONObject, [Double], EvaluationOptions) throws -> [String: Double]] = [
        "mc2": { doc, lls, options in
            guard let labels = doc["mc2_targets"]?["labels"]?.arrayValue?.compactMap(\.intValue) else {
                throw TemplateError.evaluation("mc2", "document has no mc2_targets.labels")
            }
            return ["acc": Metrics.mc2(lls: lls, labels: labels, variant: options.mc2Variant)]
        },
    ]
}
