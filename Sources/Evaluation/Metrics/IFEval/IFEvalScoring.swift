import Checkpoints

/// An IFEval document: `google/IFEval`'s `key`, `prompt`, `instruction_id_list`, `kwargs`.
public struct IFEvalDocument: Sendable {
    public let key: Int
    public let prompt: String
    public let instructions: [IFEvalInstruction]

    public init(key: Int, prompt: String, instructionIDs: [String], kwargs: [[String: JSONValue]]) throws {
        guard instructionIDs.count == kwargs.count else {
            throw IFEvalError.badDocument(key: String(key), reason: "\(instructionIDs.count) instruction ids but \(kwargs.count) kwargs")
        }
        self.key = key
        self.prompt = prompt
        self.instructions = try zip(instructionIDs, kwargs).map { try IFEvalInstruction(id: $0, kwargs: $1) }
    }

    /// From one row of the dataset (a JSON object with those four fields).
    public init(row: JSONValue) throws {
        let k = row["key"]?.intValue
        let name = k.map(String.init) ?? "?"
        guard let key = k else { throw IFEvalError.badDocument(key: name, reason: "missing integer 'key'") }
        guard let prompt = row["prompt"]?.stringValue else { throw IFEvalError.badDocument(key: name, reason: "missing string 'prompt'") }
        guard let ids = row["instruction_id_list"]?.arrayValue?.compactMap(\.stringValue) else {
            throw IFEvalError.badDocument(key: name, reason: "missing 'instruction_id_list'")
        }
        guard let kws = row["kwargs"]?.arrayValue?.compactMap(\.objectValue) else {
            throw IFEvalError.badDocument(key: name, reason: "missing 'kwargs'")
        }
        try self.init(key: key, prompt: prompt, instructionIDs: ids,
                      kwargs: kws.map { Dictionary($0.pairs, uniquingKeysWith: { _, b in b }) })
    }
}

/// Per-instruction verdicts of one response (lm-eval's `test_instruction_following_strict` and
/// `_loose`), plus which instructions are the unreproducible exception (eval-spec §6.1).
public struct IFEvalVerdict: Sendable, Equatable {
    public let strict: [Bool]
    public let loose: [Bool]
    public let reproducible: [Bool]
    public var promptStrict: Bool { strict.allSatisfy { $0 } }
    public var promptLoose: Bool { loose.allSatisfy { $0 } }
}

/// lm-eval 0.4.8's IFEval scoring (`lm_eval/tasks/ifeval/utils.py`). Usage:
///
///     let tools = try IFEvalResources.builtIn()           // once: Punkt tables, langdetect profiles
///     let doc = try IFEvalDocument(row: jsonRow)          // key, prompt, instruction_id_list, kwargs
///     let v = IFEvalScorer.score(doc, response: text, tools: tools)
///     var agg = IFEvalAggregate(); agg.add(v)             // … for every document
///     agg.metrics                                         // the four metrics with stderrs
public enum IFEvalScorer {
    /// The 8 responses the loose test tries, in lm-eval's order: the response, it without `*`,
    /// without its first line, without its last line, without both (each stripped), and those
    /// three without `*`. Lines are split on `\n` only.
    public static func looseVariants(_ response: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        let lines = PyText.split(response, ["\n"])
        func join(_ ls: ArraySlice<[Unicode.Scalar]>) -> [Unicode.Scalar] {
            var out: [Unicode.Scalar] = []
            for (i, l) in ls.enumerated() { if i > 0 { out.append("\n") }; out.append(contentsOf: l) }
            return PyText.strip(out)
        }
        let n = lines.count
        let first = join(lines[min(1, n)...])
        let last = join(lines[..<max(n - 1, 0)])
        let both = n >= 2 ? join(lines[1..<(n - 1)]) : []
        func noStars(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] { s.filter { $0 != "*" } }
        return [response, noStars(response), first, last, both, noStars(first), noStars(last), noStars(both)]
    }

    /// Strict and loose verdicts for every instruction of `doc` on `response`.
    public static func score(_ doc: IFEvalDocument, response: String, tools: some IFEvalTextTools) -> IFEvalVerdict {
        let r = PyText.scalars(response)
        let variants = looseVariants(r)
        var strict: [Bool] = [], loose: [Bool] = []
        for inst in doc.instructions {
            strict.append(!PyText.strip(r).isEmpty && inst.checkFollowing(r, tools: tools))
            loose.append(variants.contains { !PyText.strip($0).isEmpty && inst.checkFollowing($0, tools: tools) })
        }
        return IFEvalVerdict(strict: strict, loose: loose, reproducible: doc.instructions.map(\.reproducible))
    }
}

/// lm-eval 0.4.8's four IFEval metrics: prompt-level means over documents (aggregation `mean`,
/// with `mean_stderr`) and instruction-level flat means over all instruction instances
/// (`agg_inst_level_acc`, stderr "N/A").
public struct IFEvalAggregate: Sendable, Equatable {
    public private(set) var promptStrict: [Bool] = []
    public private(set) var promptLoose: [Bool] = []
    public private(set) var instructions = 0
    public private(set) var instStrictPassed = 0
    public private(set) var instLoosePassed = 0
    /// Instructions scored with a substituted letter (eval-spec §6.1), counted apart.
    public private(set) var unreproducibleInstructions = 0

    public init() {}

    public mutating func add(_ v: IFEvalVerdict) {
        promptStrict.append(v.promptStrict)
        promptLoose.append(v.promptLoose)
        instructions += v.strict.count
        instStrictPassed += v.strict.filter { $0 }.count
        instLoosePassed += v.loose.filter { $0 }.count
        unreproducibleInstructions += v.reproducible.filter { !$0 }.count
    }

    public var prompts: Int { promptStrict.count }
    public var promptLevelStrictAcc: Double { Double(promptStrict.filter { $0 }.count) / Double(prompts) }
    public var promptLevelLooseAcc: Double { Double(promptLoose.filter { $0 }.count) / Double(prompts) }
    public var instLevelStrictAcc: Double { Double(instStrictPassed) / Double(instructions) }
    public var instLevelLooseAcc: Double { Double(instLoosePassed) / Double(instructions) }

    /// (name, value, stderr or nil for "N/A") in the order of lm-eval's `ifeval.yaml` metric_list.
    public var metrics: [(name: String, value: Double, stderr: Double?)] {
        [("prompt_level_strict_acc", promptLevelStrictAcc, Metrics.meanStderr(promptStrict.map { $0 ? 1 : 0 })),
         ("inst_level_strict_acc", instLevelStrictAcc, nil),
         ("prompt_level_loose_acc", promptLevelLooseAcc, Metrics.meanStderr(promptLoose.map { $0 ? 1 : 0 })),
         ("inst_level_loose_acc", instLevelLooseAcc, nil)]
    }
}

extension IFEvalVerdict {
    /// lm-eval's `process_results` for one document, as `--log_samples` writes it.
    public var processResults: [(String, JSONValue)] {
        [("prompt_level_strict_acc", .bool(promptStrict)), ("inst_level_strict_acc", .array(strict.map(JSONValue.bool))),
         ("prompt_level_loose_acc", .bool(promptLoose)), ("inst_level_loose_acc", .array(loose.map(JSONValue.bool)))]
    }
}
