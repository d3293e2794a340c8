/// Python 3 `str` semantics the IFEval checkers depend on, on code points (`[Unicode.Scalar]`):
/// Swift's `Character` is a grapheme cluster and `String ==` is canonical equivalence, both of
/// which would change counts and matches that Python makes on code points.
public enum PyText {
    public typealias Scalars = [Unicode.Scalar]

    @inlinable static func scalars(_ s: String) -> Scalars { Array(s.unicodeScalars) }

    static func string(_ u: some Sequence<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: u)
        return String(v)
    }

    /// `str.isspace()` and `re`'s `\s` for str patterns (Python's own table: adds U+001C…U+001F to
    /// Unicode White_Space, which ICU's `\s` lacks).
    static func isSpace(_ u: Unicode.Scalar) -> Bool { PyString.isSpace(u) }

    /// `re`'s `\w` for str patterns: `str.isalnum()` or `_`, i.e. letters (L*) and numbers
    /// (Nd, Nl, No); combining marks are not word characters (ICU's `\w` counts them).
    static func isWord(_ u: Unicode.Scalar) -> Bool {
        if u == "_" { return true }
        if u.isASCII {
            let v = u.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return u.properties.numericType != nil
        }
    }

    /// `re`'s `\d` for str patterns: Unicode decimal digits (Nd).
    static func isDecimal(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII { return u.value >= 0x30 && u.value <= 0x39 }
        return u.properties.generalCategory == .decimalNumber
    }

    static func isUpperChar(_ u: Unicode.Scalar) -> Bool { u.properties.isUppercase }
    static func isLowerChar(_ u: Unicode.Scalar) -> Bool { u.properties.isLowercase }
    static func isTitleChar(_ u: Unicode.Scalar) -> Bool { u.properties.generalCategory == .titlecaseLetter }

    /// `str.isupper()`: at least one cased character and none lower- or titlecase.
    public static func isUpper(_ s: some Sequence<Unicode.Scalar>) -> Bool {
        var cased = false
        for u in s {
            if isLowerChar(u) || isTitleChar(u) { return false }
            if !cased && isUpperChar(u) { cased = true }
        }
        return cased
    }

    /// `str.islower()`: at least one cased character and none upper- or titlecase.
    public static func isLower(_ s: some Sequence<Unicode.Scalar>) -> Bool {
        var cased = false
        for u in s {
            if isUpperChar(u) || isTitleChar(u) { return false }
            if !cased && isLowerChar(u) { cased = true }
        }
        return cased
    }

    /// The simple (one code point) lowercase mapping `re.IGNORECASE` compares with.
    static func simpleLower(_ u: Unicode.Scalar) -> Unicode.Scalar {
        if u.isASCII {
            return (u.value >= 0x41 && u.value <= 0x5A) ? Unicode.Scalar(u.value + 32)! : u
        }
        if u.value == 0x130 { return "i" }  // the only scalar whose full mapping is longer
        let m = u.properties.lowercaseMapping.unicodeScalars
        return m.count == 1 ? m.first! : u
    }

    /// `str.lower()`: full lowercase mappings, with Greek capital sigma becoming final sigma when
    /// it ends a cased word (Python's `handle_capital_sigma`).
    public static func lower(_ s: Scalars) -> Scalars {
        var out = Scalars()
        out.reserveCapacity(s.count)
        for (i, u) in s.enumerated() {
            if u.isASCII {
                out.append((u.value >= 0x41 && u.value <= 0x5A) ? Unicode.Scalar(u.value + 32)! : u)
            } else if u.value == 0x3A3 {
                out.append(finalSigma(s, i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: u.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    private static func finalSigma(_ s: Scalars, _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return !(j < s.count && s[j].properties.isCased)
    }

    public static func lower(_ s: String) -> String { string(lower(scalars(s))) }

    /// `str.strip()` (whitespace) or `str.strip(chars)`.
    static func strip(_ s: Scalars, _ chars: Set<Unicode.Scalar>? = nil,
                      left: Bool = true, right: Bool = true) -> Scalars {
        func drop(_ u: Unicode.Scalar) -> Bool { chars.map { $0.contains(u) } ?? isSpace(u) }
        var lo = 0, hi = s.count
        if left { while lo < hi, drop(s[lo]) { lo += 1 } }
        if right { while hi > lo, drop(s[hi - 1]) { hi -= 1 } }
        return Array(s[lo..<hi])
    }

    /// `str.split()` with no separator: runs of whitespace, empty pieces dropped.
    static func splitWhitespace(_ s: Scalars) -> [Scalars] {
        var out: [Scalars] = []
        var cur = Scalars()
        for u in s {
            if isSpace(u) { if !cur.isEmpty { out.append(cur); cur = [] } } else { cur.append(u) }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// `str.split(sep)`: every non-overlapping occurrence, left to right, empty pieces kept.
    static func split(_ s: Scalars, _ sep: Scalars) -> [Scalars] {
        precondition(!sep.isEmpty)
        var out: [Scalars] = []
        var start = 0, i = 0
        while i + sep.count <= s.count {
            if s[i] == sep[0] && s[i..<(i + sep.count)].elementsEqual(sep) {
                out.append(Array(s[start..<i]))
                i += sep.count
                start = i
            } else { i += 1 }
        }
        out.append(Array(s[start...]))
        return out
    }

    static func hasPrefix(_ s: Scalars, _ p: Scalars) -> Bool { s.count >= p.count && s[..<p.count].elementsEqual(p) }
    static func hasSuffix(_ s: Scalars, _ p: Scalars) -> Bool { s.count >= p.count && s[(s.count - p.count)...].elementsEqual(p) }

    static func contains(_ s: Scalars, _ p: Scalars) -> Bool {
        if p.isEmpty { return true }
        guard s.count >= p.count else { return false }
        for i in 0...(s.count - p.count) where s[i] == p[0] && s[i..<(i + p.count)].elementsEqual(p) { return true }
        return false
    }

    static func removePrefix(_ s: Scalars, _ p: String) -> Scalars {
        let q = scalars(p); return hasPrefix(s, q) ? Array(s[q.count...]) : s
    }
    static func removeSuffix(_ s: Scalars, _ p: String) -> Scalars {
        let q = scalars(p); return hasSuffix(s, q) ? Array(s[..<(s.count - q.count)]) : s
    }
}
