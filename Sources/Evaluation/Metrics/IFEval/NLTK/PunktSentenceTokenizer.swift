/// nltk 3.9.1's `PunktSentenceTokenizer.tokenize` (what `PunktTokenizer("english")` and
/// `sent_tokenize` run): candidate ends from the period-context regex, each decided by annotating
/// the tokens of its local context (first pass: breaks, abbreviations, ellipses; second pass:
/// collocations, orthographic heuristic, sentence starters, initials, numbers), then closing
/// quotes and brackets realigned onto the sentence before.
public struct PunktSentenceTokenizer: Sendable {
    public let params: PunktParameters
    public init(params: PunktParameters) { self.params = params }

    typealias S = [Unicode.Scalar]

    private static let orthoBegUC = 1 << 1, orthoMidUC = 1 << 2, orthoUnkUC = 1 << 3
    private static let orthoBegLC = 1 << 4, orthoMidLC = 1 << 5, orthoUnkLC = 1 << 6
    private static let orthoUC = orthoBegUC | orthoMidUC | orthoUnkUC
    private static let orthoLC = orthoBegLC | orthoMidLC | orthoUnkLC

    final class Token {
        let tok: S
        let type: String
        let periodFinal: Bool
        var sentbreak = false, abbr = false, ellipsis = false

        init(_ tok: S) {
            self.tok = tok
            let low = PyText.lower(tok)
            type = Token.isNumeric(low) ? "##number##" : PyText.string(low)
            periodFinal = tok.last == "."
        }

        /// `^-?[\.,]?\d[\d,\.-]*\.?$` on the lower-cased token.
        static func isNumeric(_ t: S) -> Bool {
            var i = 0
            if i < t.count && t[i] == "-" { i += 1 }
            if i < t.count && (t[i] == "." || t[i] == ",") { i += 1 }
            guard i < t.count && PyText.isDecimal(t[i]) else { return false }
            i += 1
            while i < t.count && (PyText.isDecimal(t[i]) || t[i] == "," || t[i] == "." || t[i] == "-") { i += 1 }
            return i == t.count
        }

        var typeNoPeriod: String {
            let u = Array(type.unicodeScalars)
            return u.count > 1 && u.last == "." ? PyText.string(u.dropLast()) : type
        }
        var typeNoSentPeriod: String { sentbreak ? typeNoPeriod : type }
        var firstUpper: Bool { PyText.isUpper([tok[0]]) }
        var firstLower: Bool { PyText.isLower([tok[0]]) }
        /// `\.\.+$` matched at the start.
        var isEllipsis: Bool { tok.count >= 2 && tok.allSatisfy { $0 == "." } }
        /// `[^\W\d]\.$` matched at the start.
        var isInitial: Bool { tok.count == 2 && tok[1] == "." && PyText.isWord(tok[0]) && !PyText.isDecimal(tok[0]) }
    }

    /// `_tokenize_words`: lines split on `\n`, blank lines skipped.
    func words(_ text: S) -> [Token] {
        var out: [Token] = []
        for line in PyText.split(text, ["\n"]) where !PyText.strip(line).isEmpty {
            for t in PunktWords.tokenize(line) { out.append(Token(t)) }
        }
        return out
    }

    func firstPass(_ t: Token) {
        let tok = t.tok
        if tok == ["."] || tok == ["?"] || tok == ["!"] { t.sentbreak = true }
        else if t.isEllipsis { t.ellipsis = true }
        else if t.periodFinal && !PyText.hasSuffix(tok, [".", "."]) {
            let stem = PyText.lower(Array(tok.dropLast()))
            let last = PyText.split(stem, ["-"]).last!
            if params.abbrevTypes.contains(PyText.string(stem)) || params.abbrevTypes.contains(PyText.string(last)) {
                t.abbr = true
            } else { t.sentbreak = true }
        }
    }

    /// `_ortho_heuristic`: true, false or nil ("unknown").
    func orthoHeuristic(_ t: Token) -> Bool? {
        if t.tok.count == 1 && ";:,.!?".unicodeScalars.contains(t.tok[0]) { return false }
        let ctx = params.orthoContext[t.typeNoSentPeriod] ?? 0
        if t.firstUpper && (ctx & Self.orthoLC) != 0 && (ctx & Self.orthoMidUC) == 0 { return true }
        if t.firstLower && ((ctx & Self.orthoUC) != 0 || (ctx & Self.orthoBegLC) == 0) { return false }
        return nil
    }

    func secondPass(_ t1: Token, _ t2: Token) {
        guard t1.periodFinal else { return }
        let typ = t1.typeNoPeriod, nextTyp = t2.typeNoSentPeriod
        let initial = t1.isInitial
        if params.collocations.contains([typ, nextTyp]) { t1.sentbreak = false; t1.abbr = true; return }
        if (t1.abbr || t1.ellipsis) && !initial {
            let starter = orthoHeuristic(t2)
            if starter == true { t1.sentbreak = true; return }
            if t2.firstUpper && params.sentStarters.contains(nextTyp) { t1.sentbreak = true; return }
        }
        if initial || typ == "##number##" {
            let starter = orthoHeuristic(t2)
            if starter == false { t1.sentbreak = false; t1.abbr = true; return }
            if starter == nil && initial && t2.firstUpper && ((params.orthoContext[nextTyp] ?? 0) & Self.orthoLC) == 0 {
                t1.sentbreak = false; t1.abbr = true; return
            }
        }
    }

    /// `text_contains_sentbreak`: a sentence break on any token but the last.
    func containsSentbreak(_ text: S) -> Bool {
        let toks = words(text)
        for t in toks { firstPass(t) }
        for i in 0..<toks.count {
            if i + 1 < toks.count { secondPass(toks[i], toks[i + 1]) }
            if toks[i].sentbreak && i + 1 < toks.count { return true }
        }
        return false
    }

    /// `string.whitespace` (ASCII only), as `_get_last_whitespace_index` uses it.
    private static func asciiSpace(_ u: Unicode.Scalar) -> Bool {
        u == " " || u == "\t" || u == "\n" || u == "\r" || u == "\u{0B}" || u == "\u{0C}"
    }

    /// `_slices_from_text`.
    func slices(_ s: S) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var lastBreak = 0
        // `_match_potential_end_contexts`: the word before each candidate, dropping candidates
        // whose word overlaps the previous one's.
        var prevSlice = 0..<0
        var prevMatch: PunktWords.EndContext? = nil
        func decide(_ m: PunktWords.EndContext, _ word: Range<Int>) {
            let context = Array(s[word]) + Array(s[m.index..<m.afterTokEnd])
            if containsSentbreak(context) {
                out.append(lastBreak..<max(lastBreak, m.index + 1))
                lastBreak = m.nextTokStart ?? (m.index + 1)
            }
        }
        for m in PunktWords.endContexts(s) {
            var idx = 0
            var k = m.index - 1
            while k >= prevSlice.upperBound {
                if Self.asciiSpace(s[k]) { idx = k - prevSlice.upperBound; break }
                k -= 1
            }
            let start = idx != 0 ? idx + prevSlice.upperBound + 1 : prevSlice.lowerBound
            let wordSlice = start..<m.index
            if let pm = prevMatch, prevSlice.upperBound <= wordSlice.lowerBound { decide(pm, prevSlice) }
            prevMatch = m
            prevSlice = wordSlice
        }
        if let pm = prevMatch { decide(pm, prevSlice) }
        let end = PyText.strip(s, left: false).count
        out.append(lastBreak..<max(lastBreak, end))
        return out
    }

    /// `re_boundary_realignment.match` at the start of `s[r]`: `["')\]}]+?(?:\s+|(?=--)|$)`
    /// (MULTILINE); returns (length of the match, length of the match right-stripped).
    func realignment(_ s: S, _ r: Range<Int>) -> (Int, Int)? {
        let closing: Set<Unicode.Scalar> = ["\"", "'", ")", "]", "}"]
        var k = r.lowerBound
        while k < r.upperBound && closing.contains(s[k]) {
            k += 1
            if k < r.upperBound && PyText.isSpace(s[k]) {
                var e = k
                while e < r.upperBound && PyText.isSpace(s[e]) { e += 1 }
                return (e - r.lowerBound, k - r.lowerBound)
            }
            if k + 1 < r.upperBound && s[k] == "-" && s[k + 1] == "-" { return (k - r.lowerBound, k - r.lowerBound) }
            if k == r.upperBound { return (k - r.lowerBound, k - r.lowerBound) }
        }
        return nil
    }

    /// `span_tokenize(text)` with realigned boundaries, in code-point offsets.
    public func spans(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        let sl = slices(s)
        var out: [Range<Int>] = []
        var realign = 0
        for (i, s1) in sl.enumerated() {
            let a = s1.lowerBound + realign
            let sentence1 = a..<max(a, s1.upperBound)
            let nonEmpty = s1.lowerBound + realign < s1.upperBound
            guard i + 1 < sl.count else { if nonEmpty { out.append(sentence1) }; continue }
            let s2 = sl[i + 1]
            if let (full, stripped) = realignment(s, s2) {
                out.append(a..<(s2.lowerBound + stripped))
                realign = full
            } else {
                realign = 0
                if nonEmpty { out.append(sentence1) }
            }
        }
        return out
    }

    public func tokenize(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] { spans(s).map { Array(s[$0]) } }
    public func tokenize(_ text: String) -> [String] { tokenize(PyText.scalars(text)).map(PyText.string) }
}
