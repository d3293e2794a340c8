/// `PunktLanguageVars` (English): its word-splitting regex and its period-context regex, matched
/// by hand with Python `re`'s outcome.
enum PunktWords {
    typealias S = [Unicode.Scalar]

    static func isSpace(_ u: Unicode.Scalar) -> Bool { PyText.isSpace(u) }

    /// `_re_non_word_chars`: `[)";}\]*:@'({[?!]`.
    static func isNonWord(_ u: Unicode.Scalar) -> Bool { ")\";}]*:@'({[?!".unicodeScalars.contains(u) }

    /// `_re_word_start` excludes these from starting a word.
    static func excludedStart(_ u: Unicode.Scalar) -> Bool { "(\"`{[:;&#*@)}]-,".unicodeScalars.contains(u) }

    /// `_re_multi_char_punct` at i: `\-{2,}|\.{2,}|(?:\.\s){2,}\.`; returns the match end.
    static func multiChar(_ s: S, _ i: Int) -> Int? {
        func run(_ c: Unicode.Scalar) -> Int { var k = i; while k < s.count && s[k] == c { k += 1 }; return k - i }
        let dashes = run("-")
        if dashes >= 2 { return i + dashes }
        let dots = run(".")
        if dots >= 2 { return i + dots }
        var pairs = 0
        while i + 2 * pairs + 1 < s.count && s[i + 2 * pairs] == "." && isSpace(s[i + 2 * pairs + 1]) { pairs += 1 }
        var j = pairs
        while j >= 2 {
            if i + 2 * j < s.count && s[i + 2 * j] == "." { return i + 2 * j + 1 }
            j -= 1
        }
        return nil
    }

    /// The lookahead that ends a word at e.
    static func wordEnds(_ s: S, _ e: Int) -> Bool {
        if e == s.count || isSpace(s[e]) || isNonWord(s[e]) || multiChar(s, e) != nil { return true }
        if s[e] == "," {
            let f = e + 1
            return f == s.count || isSpace(s[f]) || isNonWord(s[f]) || multiChar(s, f) != nil
        }
        return false
    }

    /// `PunktLanguageVars.word_tokenize(line)`: `findall` of multi-character punctuation, a
    /// word (shortest run of non-space up to an end context), or any single non-space.
    static func tokenize(_ s: S) -> [S] {
        var out: [S] = []
        var i = 0
        while i < s.count {
            if let e = multiChar(s, i) { out.append(Array(s[i..<e])); i = e; continue }
            if isSpace(s[i]) { i += 1; continue }
            if !excludedStart(s[i]) {
                var e = i + 1
                while !(wordEnds(s, e)) { e += 1 }
                out.append(Array(s[i..<e])); i = e; continue
            }
            out.append([s[i]]); i += 1
        }
        return out
    }

    /// One match of `period_context_re()`: a `.`, `?` or `!` at `index` followed by other
    /// punctuation or by whitespace and a token.
    struct EndContext {
        var index: Int
        var afterTokEnd: Int
        var nextTokStart: Int?
    }

    static func endContexts(_ s: S) -> [EndContext] {
        var out: [EndContext] = []
        for i in 0..<s.count where s[i] == "." || s[i] == "?" || s[i] == "!" {
            let a = i + 1
            if a < s.count && isNonWord(s[a]) { out.append(EndContext(index: i, afterTokEnd: a + 1, nextTokStart: nil)); continue }
            var k = a
            while k < s.count && isSpace(s[k]) { k += 1 }
            guard k > a, k < s.count else { continue }
            var e = k
            while e < s.count && !isSpace(s[e]) { e += 1 }
            out.append(EndContext(index: i, afterTokEnd: e, nextTokStart: k))
        }
        return out
    }
}
