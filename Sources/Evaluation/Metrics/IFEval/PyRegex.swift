import Foundation

/// A Python `re` pattern run on ICU (NSRegularExpression) after rewriting the constructs whose
/// meaning differs: `\s`/`\S` (Python's whitespace table), `\w`/`\W` (letters and numbers, not
/// marks), `\d` (Nd), `\b` (boundary by that `\w`), and line ends (only `\n`, via Unix-lines
/// mode). Used for nltk's word-tokenizer rewrite rules, whose patterns are fixed.
struct PyRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    let template: String

    static let space = "\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
    static let word = "\\p{L}\\p{Nd}\\p{Nl}\\p{No}_"

    /// Rewrites a Python pattern for ICU.
    static func translate(_ p: String) -> String {
        var out = ""
        var inClass = false
        var it = Array(p).makeIterator()
        while let c = it.next() {
            if c == "\\" {
                guard let n = it.next() else { out.append("\\\\"); break }
                switch n {
                case "s": out += inClass ? space : "[\(space)]"
                case "S": out += "[^\(space)]"  // ICU nests a set inside a set
                case "w": out += inClass ? word : "[\(word)]"
                case "W": out += "[^\(word)]"
                case "d": out += "\\p{Nd}"
                case "b": out += "(?:(?<=[\(word)])(?![\(word)])|(?<![\(word)])(?=[\(word)]))"
                default: out.append(c); out.append(n)
                }
                continue
            }
            if c == "[" && !inClass { inClass = true } else if c == "]" && inClass { inClass = false }
            out.append(c)
        }
        return out
    }

    /// `\1` and `\g<0>` in a Python replacement become ICU's `$1` and `$0`.
    static func translateTemplate(_ t: String) -> String {
        var out = ""
        let a = Array(t)
        var i = 0
        while i < a.count {
            if a[i] == "\\", i + 1 < a.count, a[i + 1].isNumber { out += "$\(a[i + 1])"; i += 2; continue }
            if a[i] == "\\", i + 2 < a.count, a[i + 1] == "g", a[i + 2] == "<",
               let close = a[(i + 3)...].firstIndex(of: ">") {
                out += "$" + String(a[(i + 3)..<close]); i = close + 1; continue
            }
            if a[i] == "$" || a[i] == "\\" { out += "\\" }
            out.append(a[i]); i += 1
        }
        return out
    }

    init(_ pattern: String, _ replacement: String, ignoreCase: Bool = false) {
        var opts: NSRegularExpression.Options = [.useUnixLineSeparators]
        if ignoreCase { opts.insert(.caseInsensitive) }
        // The patterns are constants of this file's callers; a failure is a programming error.
        regex = try! NSRegularExpression(pattern: Self.translate(pattern), options: opts)
        template = Self.translateTemplate(replacement)
    }

    /// `re.sub(pattern, replacement, text)`.
    func sub(_ text: String) -> String {
        let ns = text as NSString
        return regex.stringByReplacingMatches(in: text, options: [], range: NSRange(location: 0, length: ns.length),
                                              withTemplate: template)
    }
}
