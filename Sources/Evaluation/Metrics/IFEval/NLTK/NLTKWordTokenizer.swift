/// nltk 3.9.1's `word_tokenize(text)`: Punkt English sentences, each rewritten by
/// `NLTKWordTokenizer.tokenize` (destructive.py: starting quotes, punctuation, brackets, double
/// dashes, padding, ending quotes and clitics, MacIntyre contractions) and split on whitespace.
public struct NLTKWordTokenizer: Sendable {
    public let sentences: PunktSentenceTokenizer
    public init(sentences: PunktSentenceTokenizer) { self.sentences = sentences }

    private static let startingQuotes: [PyRegex] = [
        PyRegex("([«“‘„]|[`]+)", " \\1 "),
        PyRegex("^\"", "``"),
        PyRegex("(``)", " \\1 "),
        PyRegex("([ \\(\\[{<])(\"|'{2})", "\\1 `` "),
        PyRegex("(')(?!re|ve|ll|m|t|s|d|n)(\\w)\\b", "\\1 \\2", ignoreCase: true),
    ]
    private static let punctuation: [PyRegex] = [
        PyRegex("([^\\.])(\\.)([\\]\\)}>\"'»”’ ]*)\\s*$", "\\1 \\2 \\3 "),
        PyRegex("([:,])([^\\d])", " \\1 \\2"),
        PyRegex("([:,])$", " \\1 "),
        PyRegex("\\.{2,}", " \\g<0> "),
        PyRegex("[;@#$%&]", " \\g<0> "),
        PyRegex("([^\\.])(\\.)([\\]\\)}>\"']*)\\s*$", "\\1 \\2\\3 "),
        PyRegex("[?!]", " \\g<0> "),
        PyRegex("([^'])' ", "\\1 ' "),
        PyRegex("[*]", " \\g<0> "),
    ]
    private static let parensBrackets = PyRegex("[\\]\\[\\(\\)\\{\\}\\<\\>]", " \\g<0> ")
    private static let doubleDashes = PyRegex("--", " -- ")
    private static let endingQuotes: [PyRegex] = [
        PyRegex("([»”’])", " \\1 "),
        PyRegex("''", " '' "),
        PyRegex("\"", " '' "),
        PyRegex("\\s+", " "),
        PyRegex("([^' ])('[sS]|'[mM]|'[dD]|') ", "\\1 \\2 "),
        PyRegex("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "\\1 \\2 "),
    ]
    private static let contractions: [PyRegex] = [
        "\\b(can)(?#X)(not)\\b", "\\b(d)(?#X)('ye)\\b", "\\b(gim)(?#X)(me)\\b", "\\b(gon)(?#X)(na)\\b",
        "\\b(got)(?#X)(ta)\\b", "\\b(lem)(?#X)(me)\\b", "\\b(more)(?#X)('n)\\b", "\\b(wan)(?#X)(na)(?=\\s)",
        " ('t)(?#X)(is)\\b", " ('t)(?#X)(was)\\b",
    ].map { PyRegex($0, " \\1 \\2 ", ignoreCase: true) }

    /// `NLTKWordTokenizer().tokenize(sentence)`.
    public func tokenizeSentence(_ sentence: String) -> [String] {
        var t = sentence
        for r in Self.startingQuotes { t = r.sub(t) }
        for r in Self.punctuation { t = r.sub(t) }
        t = Self.parensBrackets.sub(t)
        t = Self.doubleDashes.sub(t)
        t = " " + t + " "
        for r in Self.endingQuotes { t = r.sub(t) }
        for r in Self.contractions { t = r.sub(t) }
        return PyText.splitWhitespace(PyText.scalars(t)).map(PyText.string)
    }

    /// `nltk.word_tokenize(text)`.
    public func tokenize(_ text: String) -> [String] {
        sentences.tokenize(text).flatMap(tokenizeSentence)
    }
}
