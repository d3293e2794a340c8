/// The regular expressions of lm-eval's IFEval checkers, each matched by hand with Python `re`'s
/// semantics (leftmost match, backtracking outcome, `findall`/`split` resuming after a match,
/// Python's `\s`, `\w`, `\d`, `.` excluding only `\n`, MULTILINE anchors only at `\n`). Writing
/// them out avoids ICU's different character classes and line terminators.
enum PyPatterns {
    typealias S = [Unicode.Scalar]

    // MARK: - Case-insensitive literals (`re.IGNORECASE` with a keyword as the pattern)

    /// Pattern code point `p` against text code point `t` under IGNORECASE: equal simple
    /// lowercase, plus `sre`'s extra equivalences ı ~ i and ſ ~ s; uncased pattern code points
    /// match only themselves.
    static func ignoreCaseEqual(_ p: Unicode.Scalar, _ t: Unicode.Scalar) -> Bool {
        if p == t { return true }
        let lp = PyText.simpleLower(p)
        let up = p.properties.uppercaseMapping.unicodeScalars
        let cased = lp != p || !(up.count == 1 && up.first! == p)
        guard cased else { return false }
        let lt = PyText.simpleLower(t)
        if lp == lt { return true }
        return (lp == "i" && lt == "\u{131}") || (lp == "\u{131}" && lt == "i")
            || (lp == "s" && lt == "\u{17F}") || (lp == "\u{17F}" && lt == "s")
    }

    static func matchesIgnoreCase(_ text: S, at i: Int, _ lit: S) -> Bool {
        guard i + lit.count <= text.count else { return false }
        for k in 0..<lit.count where !ignoreCaseEqual(lit[k], text[i + k]) { return false }
        return true
    }

    /// `re.search(lit, text, re.IGNORECASE)` for a keyword without metacharacters.
    static func searchIgnoreCase(_ lit: S, in text: S) -> Bool {
        if lit.isEmpty { return true }
        guard text.count >= lit.count else { return false }
        for i in 0...(text.count - lit.count) where matchesIgnoreCase(text, at: i, lit) { return true }
        return false
    }

    /// `len(re.findall(lit, text, re.IGNORECASE))`: leftmost non-overlapping occurrences.
    static func countIgnoreCase(_ lit: S, in text: S) -> Int {
        if lit.isEmpty { return text.count + 1 }  // findall of an empty pattern
        var n = 0, i = 0
        while i + lit.count <= text.count {
            if matchesIgnoreCase(text, at: i, lit) { n += 1; i += lit.count } else { i += 1 }
        }
        return n
    }

    /// `\b` at position i (between text[i-1] and text[i]).
    static func wordBoundary(_ text: S, _ i: Int) -> Bool {
        let before = i > 0 && PyText.isWord(text[i - 1])
        let after = i < text.count && PyText.isWord(text[i])
        return before != after
    }

    /// `re.search(r"\b" + word + r"\b", text, re.IGNORECASE)`.
    static func searchWordIgnoreCase(_ word: S, in text: S) -> Bool {
        guard text.count >= word.count else { return false }
        for i in 0...(text.count - word.count)
        where wordBoundary(text, i) && matchesIgnoreCase(text, at: i, word) && wordBoundary(text, i + word.count) {
            return true
        }
        return false
    }

    /// Keywords are used as regexes by lm-eval; the port takes them literally and refuses any
    /// with a metacharacter rather than guess (none in the 541 prompts has one).
    static func isPlainLiteral(_ s: String) -> Bool {
        !s.unicodeScalars.contains { "\\.^$*+?{}[]|()".unicodeScalars.contains($0) }
    }

    // MARK: - Counting patterns

    /// `len(re.findall(r"\w+", text))`.
    static func countWordRuns(_ text: S) -> Int {
        var n = 0, inWord = false
        for u in text {
            let w = PyText.isWord(u)
            if w && !inWord { n += 1 }
            inWord = w
        }
        return n
    }

    /// `re.findall(r"\[.*?\]", text)`: `[`, then the nearest `]` with no `\n` before it.
    static func countPlaceholders(_ text: S) -> Int {
        var n = 0, i = 0
        outer: while i < text.count {
            if text[i] == "[" {
                var j = i + 1
                while j < text.count {
                    if text[j] == "]" { n += 1; i = j + 1; continue outer }
                    if text[j] == "\n" { break }
                    j += 1
                }
            }
            i += 1
        }
        return n
    }

    /// `re.findall(r"^\s*\*[^\*].*$", text, re.M)` plus `re.findall(r"^\s*-.*$", text, re.M)`.
    /// `\s*` may run over newlines; `[^\*]` may be a newline.
    static func countBulletLines(_ text: S) -> Int {
        func count(star: Bool) -> Int {
            var n = 0, resume = 0, p = 0
            while p <= text.count {
                if p >= resume && (p == 0 || text[p - 1] == "\n") {
                    var q = p
                    while q < text.count && PyText.isSpace(text[q]) { q += 1 }
                    var bodyStart = -1
                    if star {
                        if q + 1 < text.count && text[q] == "*" && text[q + 1] != "*" { bodyStart = q + 2 }
                    } else if q < text.count && text[q] == "-" { bodyStart = q + 1 }
                    if bodyStart >= 0 {
                        var e = bodyStart
                        while e < text.count && text[e] != "\n" { e += 1 }
                        n += 1
                        resume = e
                        p = max(p + 1, e)
                        continue
                    }
                }
                p += 1
            }
            return n
        }
        return count(star: true) + count(star: false)
    }

    /// The highlight count of `detectable_format:number_highlighted_sections`:
    /// `\*[^\n\*]*\*` matches with non-blank text plus `\*\*[^\n\*]*\*\*` matches with non-blank
    /// inner text.
    static func countHighlights(_ text: S) -> Int {
        var n = 0
        var i = 0
        while i < text.count {
            if text[i] == "*" {
                var j = i + 1
                while j < text.count && text[j] != "*" && text[j] != "\n" { j += 1 }
                if j < text.count && text[j] == "*" {
                    if !PyText.strip(Array(text[(i + 1)..<j])).isEmpty { n += 1 }
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        i = 0
        while i + 1 < text.count {
            if text[i] == "*" && text[i + 1] == "*" {
                var j = i + 2
                while j < text.count && text[j] != "*" && text[j] != "\n" { j += 1 }
                if j + 1 < text.count && text[j] == "*" && text[j + 1] == "*" {
                    if !PyText.strip(Array(text[(i + 2)..<j])).isEmpty { n += 1 }
                    i = j + 2
                    continue
                }
            }
            i += 1
        }
        return n
    }

    /// `len(re.split(r"\s?" + splitter + r"\s?\d+\s?", text)) - 1`: the number of matches.
    static func countSectionSplits(_ text: S, splitter: S) -> Int {
        func lit(_ k: Int) -> Bool { k >= 0 && k + splitter.count <= text.count && text[k..<(k + splitter.count)].elementsEqual(splitter) }
        func sp(_ k: Int) -> Bool { k < text.count && PyText.isSpace(text[k]) }
        func dg(_ k: Int) -> Bool { k < text.count && PyText.isDecimal(text[k]) }
        // After the splitter at r: `\s?\d+\s?`; returns the match end or nil.
        func tail(_ r: Int) -> Int? {
            var k: Int
            if sp(r) && dg(r + 1) { k = r + 1 } else if dg(r) { k = r } else { return nil }
            while dg(k) { k += 1 }
            if sp(k) { k += 1 }
            return k
        }
        var n = 0, p = 0
        while p < text.count {
            var end: Int? = nil
            if sp(p) && lit(p + 1) { end = tail(p + 1 + splitter.count) }
            if end == nil && lit(p) { end = tail(p + splitter.count) }
            if let e = end { n += 1; p = max(e, p + 1) } else { p += 1 }
        }
        return n
    }

    /// `re.split(r"\s?\*\*\*\s?", text)`.
    static func splitOnStarRule(_ text: S) -> [S] {
        func stars(_ k: Int) -> Bool { k + 2 < text.count && text[k] == "*" && text[k + 1] == "*" && text[k + 2] == "*" }
        var pieces: [S] = []
        var start = 0, p = 0
        while p < text.count {
            var e: Int? = nil
            if PyText.isSpace(text[p]) && stars(p + 1) { e = p + 4 } else if stars(p) { e = p + 3 }
            if var end = e {
                if end < text.count && PyText.isSpace(text[end]) { end += 1 }
                pieces.append(Array(text[start..<p]))
                start = end
                p = end
            } else { p += 1 }
        }
        pieces.append(Array(text[start...]))
        return pieces
    }

    /// `re.findall(r"<<[^\n]+>>", text)`: from `<<`, the last `>>` on the same line with at
    /// least one character between.
    static func titles(_ text: S) -> [S] {
        var out: [S] = []
        var i = 0
        while i + 1 < text.count {
            if text[i] == "<" && text[i + 1] == "<" {
                var lineEnd = i + 2
                while lineEnd < text.count && text[lineEnd] != "\n" { lineEnd += 1 }
                var k = lineEnd - 2
                while k >= i + 3 && !(text[k] == ">" && text[k + 1] == ">") { k -= 1 }
                if k >= i + 3 {
                    out.append(Array(text[i..<(k + 2)]))
                    i = k + 2
                    continue
                }
            }
            i += 1
        }
        return out
    }

    /// Whether `re.findall(marker_pattern, lowered, re.M)` finds anything, for the patterns
    /// `\s*p\.\s?p\.\s?s.*$` and `\s*p\.\s?s\..*$` (the leading `\s*` and trailing `.*$` always
    /// match, so this is a search for the middle, where `\s?` is one optional whitespace).
    static func searchPostscript(_ lowered: S, parts: [S]) -> Bool {
        func from(_ k: Int, _ part: Int) -> Bool {
            if part == parts.count { return true }
            if part > 0 {  // `\s?` before every part but the first, greedy then empty
                if k < lowered.count && PyText.isSpace(lowered[k]) && at(k + 1, part) { return true }
            }
            return at(k, part)
        }
        func at(_ k: Int, _ part: Int) -> Bool {
            let lit = parts[part]
            guard k + lit.count <= lowered.count, lowered[k..<(k + lit.count)].elementsEqual(lit) else { return false }
            return from(k + lit.count, part + 1)
        }
        for i in 0..<max(lowered.count, 0) where at(i, 0) { return true }
        return false
    }
}
