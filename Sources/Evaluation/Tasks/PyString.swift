/// Python `str` methods on Unicode code points (Swift's `Character` is a grapheme cluster, which
/// would change lengths and matches).
enum PyString {
    /// Python `str.isspace()` for one code point (Unicode White_Space plus the separators
    /// U+001C…U+001F that Python counts).
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func strip(_ s: String, chars: String? = nil, left: Bool = true, right: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func drop(_ u: Unicode.Scalar) -> Bool { set.map { $0.contains(u) } ?? isSpace(u) }
        let u = Array(s.unicodeScalars)
        var lo = 0, hi = u.count
        if left { while lo < hi, drop(u[lo]) { lo += 1 } }
        if right { while hi > lo, drop(u[hi - 1]) { hi -= 1 } }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: u[lo..<hi])
        return String(out)
    }

    /// Python `str.replace(old, new)`: every non-overlapping occurrence, left to right.
    static func replace(_ s: String, _ old: String, _ new: String) -> String {
        let u = Array(s.unicodeScalars), o = Array(old.unicodeScalars)
        guard !o.isEmpty, u.count >= o.count else { return s }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if i + o.count <= u.count, u[i] == o[0], Array(u[i..<(i + o.count)]) == o {
                out.append(contentsOf: new.unicodeScalars)
                i += o.count
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(out)
    }

    static func split(_ s: String, _ sep: String) -> [String] {
        let u = Array(s.unicodeScalars), o = Array(sep.unicodeScalars)
        guard !o.isEmpty else { return [s] }
        var parts: [String] = []
        var cur = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if i + o.count <= u.count, Array(u[i..<(i + o.count)]) == o {
                parts.append(String(cur)); cur = String.UnicodeScalarView(); i += o.count
            } else { cur.append(u[i]); i += 1 }
        }
        parts.append(String(cur))
        return parts
    }

    static func splitWhitespace(_ s: String) -> [String] {
        var parts: [String] = []
        var cur = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if isSpace(u) {
                if !cur.isEmpty { parts.append(String(cur)); cur = String.UnicodeScalarView() }
            } else { cur.append(u) }
        }
        if !cur.isEmpty { parts.append(String(cur)) }
        return parts
    }

    /// Python `str.capitalize()`: first code point upper-cased (title case), the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        let rest = String(String.UnicodeScalarView(s.unicodeScalars.dropFirst()))
        return first.properties.titlecaseMapping + rest.lowercased()
    }

    /// Python `len()`: code points.
    static func length(_ s: String) -> Int { s.unicodeScalars.count }
}
