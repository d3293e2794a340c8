import Foundation

/// File formats a task's split can be stored in.
public enum DataFormat: String, Sendable {
    case csv      // headerless, Python csv defaults
    case json     // one top-level array of objects
    case jsonl    // one object per line
}

/// Maps the rows of an upstream file to the documents lm-eval sees, i.e. the Hugging Face
/// dataset's schema (eval-spec §2). Each HF builder is a thin reader, so the mapping is field for
/// field and keeps the file's row order (which is the doc_id).
public enum DataSchema: String, Sendable {
    /// Rows as they are (MathQA's `test.json`, any new HF-shaped jsonl).
    case asIs = "as_is"
    /// MMLU CSV `question,A,B,C,D,answer` → `{question, subject, choices, answer: index}`.
    case mmlu
    /// ARC jsonl → `{id, question: question.stem, choices: {text, label}, answerKey}`.
    case ai2Arc = "ai2_arc"
    /// OpenBookQA jsonl → `{id, question_stem, choices: {text, label}, answerKey}`.
    case openbookqa
    /// HellaSwag jsonl → the HF fields, `ctx_b` missing → "", `label` as a string.
    case hellaswag
    /// TruthfulQA `mc_task.json` → `{question, mc1_targets: {choices, labels}, mc2_targets: …}`
    /// with choices = the target dict's keys and labels = its values, both in file order.
    case truthfulqaMC = "truthfulqa_mc"
    /// TruthfulQA.csv (header row) → `{type, category, question, best_answer, correct_answers,
    /// incorrect_answers, source}`, answers split on ";".
    case truthfulqaGen = "truthfulqa_gen"
}

public enum DocumentReader {
    /// Reads and maps every row of `url`. `displayPath` names the file in errors; `subject` is
    /// MMLU's config name.
    public static func read(url: URL, displayPath: String, format: DataFormat, schema: DataSchema,
                            subject: String? = nil) throws -> [JSONObject] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError.missingFile(path: displayPath, dataDirectory: url.deletingLastPathComponent().path)
        }
        guard var text = String(data: data, encoding: .utf8) else { throw DataError.notUTF8(path: displayPath) }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return try read(text: text, displayPath: displayPath, format: format, schema: schema, subject: subject)
    }

    public static func read(text: String, displayPath: String, format: DataFormat, schema: DataSchema,
                            subject: String? = nil) throws -> [JSONObject] {
        switch format {
        case .csv:
            let records = CSVReader.parse(text)
            if schema == .truthfulqaGen { return try truthfulqaGenDocs(records, path: displayPath) }
            guard schema == .mmlu else {
                throw DataError.malformedFile(path: displayPath, message: "CSV needs the mmlu or truthfulqa_gen schema")
            }
            return try records.map { try mmluDoc($0, path: displayPath, subject: subject ?? "") }
        case .json:
            let value: JSONValue
            do { value = try JSONValue.parse(text) } catch let e as JSONParseError {
                throw DataError.malformedFile(path: displayPath, message: e.description)
            }
            guard let rows = value.arrayValue else {
                throw DataError.malformedFile(path: displayPath, message: "expected a top-level JSON array")
            }
            return try rows.enumerated().map { n, row in
                guard let obj = row.objectValue else {
                    throw DataError.malformedRow(path: displayPath, row: n + 1, message: "expected a JSON object, found \(row.typeName)")
                }
                return try map(obj, schema: schema, path: displayPath, row: n + 1)
            }
        case .jsonl:
            var docs: [JSONObject] = []
            var lineNo = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNo += 1
                if line.allSatisfy({ $0 == " " || $0 == "\r" || $0 == "\t" }) { continue }
                let value: JSONValue
                do { value = try JSONValue.parse(String(line)) } catch let e as JSONParseError {
                    throw DataError.malformedRow(path: displayPath, row: lineNo, message: e.description)
                }
                guard let obj = value.objectValue else {
                    throw DataError.malformedRow(path: displayPath, row: lineNo, message: "expected a JSON object, found \(value.typeName)")
                }
                docs.append(try map(obj, schema: schema, path: displayPath, row: lineNo))
            }
            return docs
        }
    }

    static func mmluDoc(_ r: CSVReader.Record, path: String, subject: String) throws -> JSONObject {
        guard r.fields.count == 6 else {
            throw DataError.malformedRow(path: path, row: r.line,
                                         message: "expected 6 fields (question,A,B,C,D,answer), found \(r.fields.count)")
        }
        guard let answer = ["A", "B", "C", "D"].firstIndex(of: r.fields[5]) else {
            throw DataError.malformedRow(path: path, row: r.line,
                                         message: "answer must be one of A, B, C, D, found \(JSONValue.pythonStringRepr(r.fields[5]))")
        }
        return JSONObject([
            ("question", .string(r.fields[0])),
            ("subject", .string(subject)),
            ("choices", .array(r.fields[1...4].map { .string($0) })),
            ("answer", .int(answer)),
        ])
    }

    /// Hugging Face `truthful_qa` `generation` from TruthfulQA.csv (utf-8-sig, header row): answers
    /// are the cell stripped, split on ";", each piece stripped; rows lacking either answer list are
    /// skipped, as the builder skips them.
    static func truthfulqaGenDocs(_ records: [CSVReader.Record], path: String) throws -> [JSONObject] {
        guard var header = records.first?.fields else { throw DataError.malformedFile(path: path, message: "empty CSV") }
        if let f = header.first, f.unicodeScalars.first == "\u{FEFF}" {
            header[0] = String(String.UnicodeScalarView(f.unicodeScalars.dropFirst()))
        }
        let columns = ["Type", "Category", "Question", "Best Answer", "Correct Answers", "Incorrect Answers", "Source"]
        var at: [String: Int] = [:]
        for c in columns {
            guard let i = header.firstIndex(of: c) else {
                throw DataError.malformedFile(path: path, message: "CSV header lacks column '\(c)'")
            }
            at[c] = i
        }
        func answers(_ s: String) -> JSONValue {
            .array(PyString.split(PyString.strip(s), ";").map { .string(PyString.strip($0)) })
        }
        var docs: [JSONObject] = []
        for r in records.dropFirst() where !r.fields.isEmpty {
            guard r.fields.count == header.count else {
                throw DataError.malformedRow(path: path, row: r.line, message: "expected \(header.count) fields, found \(r.fields.count)")
            }
            func f(_ c: String) -> String { r.fields[at[c]!] }
            if f("Correct Answers").isEmpty || f("Incorrect Answers").isEmpty { continue }
            docs.append(JSONObject([
                ("type", .string(f("Type"))), ("category", .string(f("Category"))), ("question", .string(f("Question"))),
                ("best_answer", .string(f("Best Answer"))), ("correct_answers", answers(f("Correct Answers"))),
                ("incorrect_answers", answers(f("Incorrect Answers"))), ("source", .string(f("Source"))),
            ]))
        }
        return docs
    }

    static func map(_ raw: JSONObject, schema: DataSchema, path: String, row: Int) throws -> JSONObject {
        func fail(_ m: String) -> DataError { .malformedRow(path: path, row: row, message: m) }
        func str(_ o: JSONObject, _ k: String, _ where_: String = "") throws -> String {
            guard let v = o[k] else { throw fail("missing field '\(where_)\(k)'") }
            guard let s = v.stringValue else { throw fail("field '\(where_)\(k)' must be a string, found \(v.typeName)") }
            return s
        }
        func choices(_ q: JSONObject) throws -> JSONValue {
            guard let list = q["choices"]?.arrayValue else { throw fail("missing list 'question.choices'") }
            var texts: [JSONValue] = [], labels: [JSONValue] = []
            for (n, c) in list.enumerated() {
                guard let co = c.objectValue else { throw fail("question.choices[\(n)] must be an object") }
                texts.append(.string(try str(co, "text", "question.choices[\(n)].")))
                labels.append(.string(try str(co, "label", "question.choices[\(n)].")))
            }
            return .object(JSONObject([("text", .array(texts)), ("label", .array(labels))]))
        }

        switch schema {
        case .asIs:
            return raw
        case .mmlu, .truthfulqaGen:
            throw fail("the \(schema.rawValue) schema reads CSV files only")
        case .ai2Arc, .openbookqa:
            guard let q = raw["question"]?.objectValue else { throw fail("missing object 'question'") }
            let stem = try str(q, "stem", "question.")
            return JSONObject([
                ("id", .string(try str(raw, "id"))),
                (schema == .ai2Arc ? "question" : "question_stem", .string(stem)),
                ("choices", try choices(q)),
                ("answerKey", .string(try str(raw, "answerKey"))),
            ])
        case .hellaswag:
            var doc = JSONObject()
            for k in ["ind", "activity_label", "ctx_a", "ctx_b", "ctx", "endings", "source_id", "split", "split_type", "label"] {
                doc[k] = raw[k] ?? .null
            }
            _ = try str(raw, "activity_label")
            _ = try str(raw, "ctx_a")
            if raw["ctx_b"] == nil || raw["ctx_b"] == .null { doc["ctx_b"] = .string("") }
            else { _ = try str(raw, "ctx_b") }
            guard let endings = raw["endings"]?.arrayValue, endings.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("field 'endings' must be a list of strings")
            }
            switch raw["label"] {
            case .int(let l)?: doc["label"] = .string(String(l))
            case .string(let s)?: doc["label"] = .string(s)
            default: throw fail("missing or non-integer field 'label'")
            }
            return doc
        case .truthfulqaMC:
            var doc = JSONObject([("question", .string(try str(raw, "question")))])
            for k in ["mc1_targets", "mc2_targets"] {
                guard let t = raw[k]?.objectValue else { throw fail("missing object '\(k)'") }
                var labels: [JSONValue] = []
                for (choice, v) in t.pairs {
                    guard case .int(let l) = v else { throw fail("\(k)[\(JSONValue.pythonStringRepr(choice))] must be 0 or 1") }
                    labels.append(.int(l))
                }
                doc[k] = .object(JSONObject([("choices", .array(t.keys.map { .string($0) })), ("labels", .array(labels))]))
            }
            return doc
        }
    }
}
