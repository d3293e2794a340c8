import Checkpoints

/// One instruction of an IFEval prompt built from its id and kwargs as lm-eval 0.4.8's
/// `instructions.py` builds it: kwargs whose value is falsy are dropped first (utils.py), strings
/// are stripped or lower-cased where `build_description` does so.
public struct IFEvalInstruction: Sendable {
    public enum Relation: String, Sendable { case lessThan = "less than", atLeast = "at least" }

    enum Kind: Sendable {
        case keywordsExistence([[Unicode.Scalar]])
        case keywordsFrequency(keyword: [Unicode.Scalar], frequency: Int, relation: Relation)
        case forbiddenWords([[Unicode.Scalar]])
        case letterFrequency(letter: Unicode.Scalar, frequency: Int, relation: Relation)
        case responseLanguage(String)
        case numberSentences(Int, Relation)
        case numberParagraphs(Int)
        case numberWords(Int, Relation)
        case nthParagraphFirstWord(numParagraphs: Int, nth: Int, firstWord: [Unicode.Scalar])
        case numberPlaceholders(Int)
        case postscript(parts: [[Unicode.Scalar]])
        case numberBulletLists(Int)
        case constrainedResponse
        case numberHighlightedSections(Int)
        case multipleSections(splitter: [Unicode.Scalar], count: Int)
        case jsonFormat
        case title
        case twoResponses
        case repeatPrompt([Unicode.Scalar])
        case endChecker([Unicode.Scalar])
        case quotation
        case capitalWordFrequency(Int, Relation)
        case englishCapital
        case englishLowercase
        case noComma
    }

    public let id: String
    let kind: Kind
    /// False for the documented exception (eval-spec §6.1): `keywords:letter_frequency` with a
    /// `letter` that is not one ASCII letter, where lm-eval substitutes a letter drawn from
    /// Python's global `random` (unreproducible). Such an instruction is checked with the letter
    /// `substituteLetter` and must be reported apart, never counted as equal to lm-eval.
    public let reproducible: Bool
    public let substituteLetter: Character?

    /// The 25 instruction ids of lm-eval's `instructions_registry.INSTRUCTION_DICT` used by IFEval.
    public static let ids: [String] = [
        "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
        "language:response_language", "length_constraints:number_sentences",
        "length_constraints:number_paragraphs", "length_constraints:number_words",
        "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
        "detectable_content:postscript", "detectable_format:number_bullet_lists",
        "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
        "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
        "combination:two_responses", "combination:repeat_prompt", "startend:end_checker",
        "startend:quotation", "change_case:capital_word_frequency", "change_case:english_capital",
        "change_case:english_lowercase", "punctuation:no_comma",
    ]

    /// Python truthiness: None, False, 0, "", [] and {} are dropped before building.
    static func truthy(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        }
    }

    public init(id: String, kwargs: [String: JSONValue]) throws {
        self.id = id
        let kw = kwargs.filter { Self.truthy($0.value) }
        func bad(_ k: String, _ r: String) -> IFEvalError { .badArgument(instruction: id, key: k, reason: r) }
        func int(_ k: String) throws -> Int {
            guard let v = kw[k] else { throw bad(k, "missing or falsy (lm-eval would draw it at random)") }
            guard let i = v.intValue else { throw bad(k, "expected an integer, got \(v)") }
            return i
        }
        func str(_ k: String) throws -> String {
            guard let v = kw[k] else { throw bad(k, "missing or empty (lm-eval would draw it at random)") }
            guard let s = v.stringValue else { throw bad(k, "expected a string, got \(v)") }
            return s
        }
        func relation(_ k: String) throws -> Relation {
            let s = try str(k)
            guard let r = Relation(rawValue: s) else { throw bad(k, "relation must be 'less than' or 'at least', got '\(s)'") }
            return r
        }
        func literal(_ k: String, _ s: String) throws -> [Unicode.Scalar] {
            guard PyPatterns.isPlainLiteral(s) else { throw bad(k, "'\(s)' has a regex metacharacter; only literal keywords are supported") }
            return PyText.scalars(s)
        }
        func list(_ k: String) throws -> [String] {
            guard let v = kw[k] else { throw bad(k, "missing or empty (lm-eval would draw it at random)") }
            let ss = v.arrayValue?.compactMap(\.stringValue)
            guard let ss, ss.count == v.arrayValue!.count else { throw bad(k, "expected a list of strings, got \(v)") }
            return ss
        }
        var reproducible = true
        var substitute: Character? = nil
        switch id {
        case "keywords:existence":
            kind = try .keywordsExistence(list("keywords").sorted().map { try literal("keywords", $0) })
        case "keywords:frequency":
            kind = .keywordsFrequency(keyword: try literal("keyword", PyText.string(PyText.strip(PyText.scalars(try str("keyword"))))),
                                      frequency: try int("frequency"), relation: try relation("relation"))
        case "keywords:forbidden_words":
            // `sorted(set(words))`; order does not change the verdict.
            kind = try .forbiddenWords(Set(list("forbidden_words")).sorted().map { try literal("forbidden_words", $0) })
        case "keywords:letter_frequency":
            let given = kw["letter"]?.stringValue.map(PyText.scalars) ?? []
            let letter: Unicode.Scalar
            // build_description: one character whose lower case is a–z, else a random letter.
            if given.count == 1, (97...122).contains(PyText.simpleLower(given[0]).value) {
                letter = PyText.lower(PyText.strip(given)).first!
            } else {
                // random.choice(string.ascii_letters).lower() from a fixed generator: deterministic
                // here, but not lm-eval's draw (which depends on its process's global random state).
                var rng = PythonRandom(seed: 0)
                let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
                letter = PyText.simpleLower(letters[rng.randbelow(letters.count)])
                reproducible = false
                substitute = Character(letter)
            }
            guard let f = kw["let_frequency"]?.intValue, f >= 0 else { throw bad("let_frequency", "missing or not a non-negative integer") }
            kind = .letterFrequency(letter: letter, frequency: f, relation: try relation("let_relation"))
        case "language:response_language":
            kind = .responseLanguage(try str("language"))
        case "length_constraints:number_sentences":
            kind = .numberSentences(try int("num_sentences"), try relation("relation"))
        case "length_constraints:number_paragraphs":
            kind = .numberParagraphs(try int("num_paragraphs"))
        case "length_constraints:number_words":
            kind = .numberWords(try int("num_words"), try relation("relation"))
        case "length_constraints:nth_paragraph_first_word":
            let n = try int("nth_paragraph"), total = try int("num_paragraphs")
            guard n > 0 && n <= total else { throw bad("nth_paragraph", "must be in 1...num_paragraphs") }
            kind = .nthParagraphFirstWord(numParagraphs: total, nth: n, firstWord: PyText.lower(PyText.scalars(try str("first_word"))))
        case "detectable_content:number_placeholders":
            kind = .numberPlaceholders(try int("num_placeholders"))
        case "detectable_content:postscript":
            let m = PyText.string(PyText.strip(PyText.scalars(try str("postscript_marker"))))
            switch m {
            case "P.P.S": kind = .postscript(parts: [PyText.scalars("p."), PyText.scalars("p."), PyText.scalars("s")])
            case "P.S.": kind = .postscript(parts: [PyText.scalars("p."), PyText.scalars("s.")])
            default:
                guard PyPatterns.isPlainLiteral(m) else { throw bad("postscript_marker", "'\(m)' is used as a regex by lm-eval; only P.S., P.P.S and plain words are supported") }
                kind = .postscript(parts: [PyText.lower(PyText.scalars(m))])
            }
        case "detectable_format:number_bullet_lists":
            kind = .numberBulletLists(try int("num_bullets"))
        case "detectable_format:constrained_response":
            kind = .constrainedResponse
        case "detectable_format:number_highlighted_sections":
            kind = .numberHighlightedSections(try int("num_highlights"))
        case "detectable_format:multiple_sections":
            let s = PyText.string(PyText.strip(PyText.scalars(try str("section_spliter"))))
            kind = .multipleSections(splitter: try literal("section_spliter", s), count: try int("num_sections"))
        case "detectable_format:json_format": kind = .jsonFormat
        case "detectable_format:title": kind = .title
        case "combination:two_responses": kind = .twoResponses
        case "combination:repeat_prompt":
            kind = .repeatPrompt(PyText.lower(PyText.strip(PyText.scalars(try str("prompt_to_repeat")))))
        case "startend:end_checker":
            kind = .endChecker(PyText.lower(PyText.strip(PyText.scalars(try str("end_phrase")))))
        case "startend:quotation": kind = .quotation
        case "change_case:capital_word_frequency":
            kind = .capitalWordFrequency(try int("capital_frequency"), try relation("capital_relation"))
        case "change_case:english_capital": kind = .englishCapital
        case "change_case:english_lowercase": kind = .englishLowercase
        case "punctuation:no_comma": kind = .noComma
        default: throw IFEvalError.unknownInstruction(id)
        }
        self.reproducible = reproducible
        self.substituteLetter = substitute
    }
}
