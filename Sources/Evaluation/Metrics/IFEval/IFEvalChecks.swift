import Checkpoints

/// The text tools some checkers need (nltk Punkt English, nltk `word_tokenize`, langdetect).
public protocol IFEvalTextTools: Sendable {
    /// `len(PunktTokenizer("english").tokenize(text))`.
    func sentenceCount(_ text: [Unicode.Scalar]) -> Int
    /// `nltk.word_tokenize(text)`.
    func wordTokens(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]]
    /// `langdetect.detect(text)` with `DetectorFactory.seed = 0`; nil where langdetect raises
    /// (no features in the text).
    func detectLanguage(_ text: [Unicode.Scalar]) -> String?
}

extension IFEvalInstruction {
    /// `instruction.check_following(value)` of lm-eval 0.4.8, on code points.
    public func checkFollowing(_ value: [Unicode.Scalar], tools: some IFEvalTextTools) -> Bool {
        func compare(_ n: Int, _ r: Relation, _ t: Int) -> Bool { r == .lessThan ? n < t : n >= t }
        switch kind {
        case let .keywordsExistence(words):
            return words.allSatisfy { PyPatterns.searchIgnoreCase($0, in: value) }
        case let .keywordsFrequency(keyword, frequency, relation):
            return compare(PyPatterns.countIgnoreCase(keyword, in: value), relation, frequency)
        case let .forbiddenWords(words):
            return !words.contains { PyPatterns.searchWordIgnoreCase($0, in: value) }
        case let .letterFrequency(letter, frequency, relation):
            // collections.Counter(value.lower())[letter]
            let n = PyText.lower(value).reduce(0) { $0 + ($1 == letter ? 1 : 0) }
            return compare(n, relation, frequency)
        case let .responseLanguage(language):
            guard let detected = tools.detectLanguage(value) else { return true }
            return detected == language
        case let .numberSentences(threshold, relation):
            return compare(tools.sentenceCount(value), relation, threshold)
        case let .numberParagraphs(required):
            let pieces = PyPatterns.splitOnStarRule(value)
            var count = pieces.count
            for (i, p) in pieces.enumerated() where PyText.strip(p).isEmpty {
                if i == 0 || i == pieces.count - 1 { count -= 1 } else { return false }
            }
            return count == required
        case let .numberWords(threshold, relation):
            return compare(PyPatterns.countWordRuns(value), relation, threshold)
        case let .nthParagraphFirstWord(numParagraphs, nth, firstWord):
            return nthParagraphFirstWord(value, numParagraphs, nth, firstWord)
        case let .numberPlaceholders(n):
            return PyPatterns.countPlaceholders(value) >= n
        case let .postscript(parts):
            return PyPatterns.searchPostscript(PyText.lower(value), parts: parts)
        case let .numberBulletLists(n):
            return PyPatterns.countBulletLines(value) == n
        case .constrainedResponse:
            let v = PyText.strip(value)
            return ["My answer is yes.", "My answer is no.", "My answer is maybe."].contains {
                PyText.contains(v, PyText.scalars($0))
            }
        case let .numberHighlightedSections(n):
            return PyPatterns.countHighlights(value) >= n
        case let .multipleSections(splitter, count):
            return PyPatterns.countSectionSplits(value, splitter: splitter) >= count
        case .jsonFormat:
            var v = PyText.strip(value)
            for p in ["```json", "```Json", "```JSON", "```"] { v = PyText.removePrefix(v, p) }
            v = PyText.strip(PyText.removeSuffix(v, "```"))
            return (try? JSONValue.parse(PyText.string(v))) != nil
        case .title:
            return PyPatterns.titles(value).contains { t in
                let inner = PyText.strip(PyText.strip(t, ["<"], right: false), [">"], left: false)
                return !PyText.strip(inner).isEmpty
            }
        case .twoResponses:
            let pieces = PyText.split(value, PyText.scalars("******"))
            var valid: [[Unicode.Scalar]] = []
            for (i, p) in pieces.enumerated() {
                if PyText.strip(p).isEmpty {
                    if i != 0 && i != pieces.count - 1 { return false }
                } else { valid.append(p) }
            }
            return valid.count == 2 && PyText.strip(valid[0]) != PyText.strip(valid[1])
        case let .repeatPrompt(prompt):
            return PyText.hasPrefix(PyText.lower(PyText.strip(value)), prompt)
        case let .endChecker(phrase):
            let v = PyText.lower(PyText.strip(PyText.strip(value), ["\""]))
            return PyText.hasSuffix(v, phrase)
        case .quotation:
            let v = PyText.strip(value)
            return v.count > 1 && v.first == "\"" && v.last == "\""
        case let .capitalWordFrequency(threshold, relation):
            let n = tools.wordTokens(value).reduce(0) { $0 + (PyText.isUpper($1) ? 1 : 0) }
            return compare(n, relation, threshold)
        case .englishCapital:
            guard PyText.isUpper(value) else { return false }
            guard let detected = tools.detectLanguage(value) else { return true }
            return detected == "en"
        case .englishLowercase:
            guard PyText.isLower(value) else { return false }
            guard let detected = tools.detectLanguage(value) else { return true }
            return detected == "en"
        case .noComma:
            return !value.contains(",")
        }
    }

    private func nthParagraphFirstWord(_ value: [Unicode.Scalar], _ required: Int, _ nth: Int,
                                       _ firstWord: [Unicode.Scalar]) -> Bool {
        let paragraphs = PyText.split(value, ["\n", "\n"])
        let count = paragraphs.filter { !PyText.strip($0).isEmpty }.count
        guard nth <= count else { return false }
        let paragraph = PyText.strip(paragraphs[nth - 1])
        guard !paragraph.isEmpty else { return false }
        var word = PyText.strip(PyText.splitWhitespace(paragraph)[0])
        word = PyText.strip(PyText.strip(word, ["'"], right: false), ["\""], right: false)
        var first: [Unicode.Scalar] = []
        for u in word {
            if ".,?!'\"".unicodeScalars.contains(u) { break }
            first.append(contentsOf: PyText.lower([u]))
        }
        return count == required && first == firstWord
    }
}
