/// The patterns a `Split` (or `ByteLevel`, `Metaspace`, `Digits`) pre-tokenizer splits on.
/// tokenizer.json writes regexes in Oniguruma syntax; instead of a regex engine we recognise the
/// few patterns real tokenizers use and match them by hand, following Oniguruma's leftmost,
/// ordered-alternative, backtracking semantics exactly (see each matcher's comments).
enum SplitPattern {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (GPT-2, ByteLevel).
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,K}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// (Llama 3 with K = 3, Qwen2 with K = 1).
    case llama3(maxDigits: Int)
    /// A literal string (tokenizer.json `{"String": ...}`).
    case literal([UInt32])
    /// Every scalar satisfying the predicate is its own match (Rust `Fn(char) -> bool` patterns).
    case scalar((UInt32) -> Bool)

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static func llama3Source(_ k: String) -> String {
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + k
            + #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    }

    /// Recognises a regex from tokenizer.json, or nil when it is not one we implement.
    static func regex(_ source: String) -> SplitPattern? {
        switch source {
        case gpt2Source: return .gpt2
        case llama3Source("{1,3}"): return .llama3(maxDigits: 3)
        case llama3Source(""): return .llama3(maxDigits: 1)
        // tokenizers writes `\s+(?!\S)|\s+` also as `\s+(?!\S)|\s+` with other spellings of the
        // first alternatives in some exports; only exact sources are accepted so nothing is guessed.
        default: return nil
        }
    }

    /// Segments covering `s[lo..<hi]`: (start, end, isMatch), as tokenizers' `find_matches`.
    func segments(_ s: [UInt32], _ lo: Int, _ hi: Int, into out: inout [(Int, Int, Bool)]) {
        out.removeAll(keepingCapacity: true)
        if lo == hi { out.append((lo, hi, false)); return }
        switch self {
        case .gpt2, .llama3:
            // Every position starts a match for these patterns, so matches tile the input.
            var i = lo
            while i < hi {
                let e = matchEnd(s, i, hi)
                out.append((i, e, true))
                i = e
            }
        case .literal(let lit):
            guard !lit.isEmpty else { out.append((lo, hi, false)); return }
            var prev = lo
            var i = lo
            while i + lit.count <= hi {
                var ok = true
                for k in 0..<lit.count where s[i + k] != lit[k] { ok = false; break }
                if ok {
                    if prev != i { out.append((prev, i, false)) }
                    out.append((i, i + lit.count, true))
                    i += lit.count
                    prev = i
                } else {
                    i += 1
                }
            }
            if prev != hi { out.append((prev, hi, false)) }
        case .scalar(let pred):
            var prev = lo
            for i in lo..<hi where pred(s[i]) {
                if prev < i { out.append((prev, i, false)) }
                out.append((i, i + 1, true))
                prev = i + 1
            }
            if prev < hi { out.append((prev, hi, false)) }
        }
    }

    /// End of the match starting at `i` (< hi) for the tiling patterns.
    @inline(__always)
    func matchEnd(_ s: [UInt32], _ i: Int, _ hi: Int) -> Int {
        switch self {
        case .gpt2: return SplitPattern.gpt2End(s, i, hi)
        case .llama3(let k): return SplitPattern.llama3End(s, i, hi, maxDigits: k)
        default: return hi
        }
    }

    @inline(__always) static func isNL(_ c: UInt32) -> Bool { c == 0x0A || c == 0x0D }
    @inline(__always) static func isOther(_ cls: UInt8) -> Bool {
        cls & (CharClass.letter | CharClass.number | CharClass.space) == 0
    }

    /// Length of an English contraction (`'s`, `'re`, ...) at i, or 0. With `caseless` the letters
    /// match case-insensitively as Oniguruma's `(?i:...)` does (including U+017F ſ for s and
    /// U+212A Kelvin sign for k, which no contraction uses).
    @inline(__always)
    static func contraction(_ s: [UInt32], _ i: Int, _ hi: Int, caseless: Bool) -> Int {
        guard s[i] == 0x27, i + 1 < hi else { return 0 }
        @inline(__always) func eq(_ c: UInt32, _ lower: UInt32) -> Bool {
            if c == lower { return true }
            guard caseless else { return false }
            if c == lower - 32 { return true }
            return lower == 0x73 && c == 0x17F  // ſ folds to s
        }
        let a = s[i + 1]
        if eq(a, 0x73) || eq(a, 0x74) || eq(a, 0x6D) || eq(a, 0x64) { return 2 }  // s t m d
        guard i + 2 < hi else { return 0 }
        let b = s[i + 2]
        if (eq(a, 0x72) && eq(b, 0x65)) || (eq(a, 0x76) && eq(b, 0x65)) || (eq(a, 0x6C) && eq(b, 0x6C)) {
            return 3  // re ve ll
        }
        return 0
    }

    /// `\s+(?!\S)|\s+` at i (s[i] is whitespace): the whole run if it reaches the end or is a single
    /// character; otherwise the run minus its last character, which is left to start the next token.
    @inline(__always)
    static func spaceRunEnd(_ s: [UInt32], _ i: Int, _ hi: Int) -> Int {
        var e = i + 1
        while e < hi && CharClass.isSpace(s[e]) { e += 1 }
        if e == hi || e - i == 1 { return e }
        return e - 1
    }

    static func gpt2End(_ s: [UInt32], _ i: Int, _ hi: Int) -> Int {
        let c = contraction(s, i, hi, caseless: false)
        if c > 0 { return i + c }
        // ` ?X+` for X in L, N, other: an optional leading space then a run of one class.
        var j = i
        if s[i] == 0x20 && i + 1 < hi { j = i + 1 }
        let cls = CharClass.of(s[j])
        if j == i + 1 && cls & CharClass.space != 0 {
            // " " followed by whitespace: the optional space cannot lead a class run.
            return spaceRunEnd(s, i, hi)
        }
        if cls & CharClass.letter != 0 {
            var e = j + 1
            while e < hi && CharClass.isLetter(s[e]) { e += 1 }
            return e
        }
        if cls & CharClass.number != 0 {
            var e = j + 1
            while e < hi && CharClass.isNumber(s[e]) { e += 1 }
            return e
        }
        if isOther(cls) {
            var e = j + 1
            while e < hi && isOther(CharClass.of(s[e])) { e += 1 }
            return e
        }
        return spaceRunEnd(s, i, hi)
    }

    static func llama3End(_ s: [UInt32], _ i: Int, _ hi: Int, maxDigits: Int) -> Int {
        let c = contraction(s, i, hi, caseless: true)
        if c > 0 { return i + c }
        let c0 = s[i]
        let cls0 = CharClass.of(c0)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if cls0 & CharClass.letter != 0 {
            var e = i + 1
            while e < hi && CharClass.isLetter(s[e]) { e += 1 }
            return e
        }
        if cls0 & CharClass.number == 0 && !isNL(c0) && i + 1 < hi && CharClass.isLetter(s[i + 1]) {
            var e = i + 2
            while e < hi && CharClass.isLetter(s[e]) { e += 1 }
            return e
        }
        // \p{N}{1,K}
        if cls0 & CharClass.number != 0 {
            var e = i + 1
            while e < hi && e - i < maxDigits && CharClass.isNumber(s[e]) { e += 1 }
            return e
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var j = i
        if c0 == 0x20 && i + 1 < hi && isOther(CharClass.of(s[i + 1])) { j = i + 1 }
        if isOther(CharClass.of(s[j])) {
            var e = j + 1
            while e < hi && isOther(CharClass.of(s[e])) { e += 1 }
            while e < hi && isNL(s[e]) { e += 1 }
            return e
        }
        // s[i] is whitespace here. `\s*[\r\n]+`: up to the last \r or \n of the whitespace run.
        var e = i
        var lastNL = -1
        while e < hi && CharClass.isSpace(s[e]) {
            if isNL(s[e]) { lastNL = e }
            e += 1
        }
        if lastNL >= 0 { return lastNL + 1 }
        return spaceRunEnd(s, i, hi)
    }
}
