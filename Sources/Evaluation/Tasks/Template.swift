import Checkpoints

/// The prompt template language of our task YAMLs: the subset of lm-eval's Jinja that the tasks use.
///
///     text with {{ expression }} holes
///
/// Expressions: document fields and task `vars` by name (`question`), field access (`choices.text`,
/// or `choices['text']`), indexing (`choices[0]`, negative from the end), string and integer
/// literals (`'a'`, `"\n"`, `3`), list literals (`['a', 'b']`), concatenation with `+`, and the
/// Python methods `strip lstrip rstrip lower upper capitalize replace split` on strings and
/// `index` on lists. A hole renders a string as is and anything else as Python's `str()` (a list
/// prints as its repr, as Jinja does). A template that is exactly one hole can also be evaluated to
/// its value (`value(…)`), which is how `doc_to_choice: "{{choices.text}}"` yields a list without
/// lm-eval's repr/literal_eval round trip (exact for lists of strings).
public struct Template: Sendable, Equatable {
    indirect enum Expr: Sendable, Equatable {
        case literal(JSONValue)
        case list([Expr])
        case name(String)
        case attribute(Expr, String)
        case index(Expr, Expr)
        case call(Expr, String, [Expr])
        case concat(Expr, Expr)
    }
    enum Part: Sendable, Equatable { case text(String); case hole(Expr) }

    let parts: [Part]
    public let source: String

    public init(_ source: String) throws {
        self.source = source
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateError.syntax(source, "'{{' without a closing '}}'")
            }
            var p = ExprParser(String(rest[open.upperBound..<close.lowerBound]), source: source)
            parts.append(.hole(try p.parseAll()))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// True when the whole template is one `{{ … }}` hole.
    public var isSingleExpression: Bool {
        if parts.count == 1, case .hole = parts[0] { return true }
        return false
    }

    public func render(_ scope: Scope) throws -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .hole(let e): out += try evaluate(e, scope).jinjaText
            }
        }
        return out
    }

    /// The value of a single-hole template; otherwise the rendered string.
    public func value(_ scope: Scope) throws -> JSONValue {
        if parts.count == 1, case .hole(let e) = parts[0] { return try evaluate(e, scope) }
        return .string(try render(scope))
    }

    /// Names visible to a template: the document's fields, then the task's `vars`.
    public struct Scope {
        public var doc: JSONObject
        public var vars: JSONObject
        public init(doc: JSONObject, vars: JSONObject = JSONObject()) { self.doc = doc; self.vars = vars }
    }

    func evaluate(_ e: Expr, _ s: Scope) throws -> JSONValue {
        switch e {
        case .literal(let v): return v
        case .list(let items): return .array(try items.map { try evaluate($0, s) })
        case .name(let n):
            if let v = s.doc[n] ?? s.vars[n] { return v }
            throw TemplateError.undefined(source, n)
        case .attribute(let base, let name):
            let b = try evaluate(base, s)
            guard let v = b.objectValue?[name] else { throw TemplateError.undefined(source, "\(b.typeName).\(name)") }
            return v
        case .index(let base, let idx):
            let b = try evaluate(base, s), i = try evaluate(idx, s)
            switch (b, i) {
            case (.array(let a), .int(let n)):
                let k = n < 0 ? a.count + n : n
                guard k >= 0 && k < a.count else { throw TemplateError.evaluation(source, "list index \(n) out of range (length \(a.count))") }
                return a[k]
            case (.string(let str), .int(let n)):
                let u = Array(str.unicodeScalars)
                let k = n < 0 ? u.count + n : n
                guard k >= 0 && k < u.count else { throw TemplateError.evaluation(source, "string index \(n) out of range") }
                return .string(String(Character(u[k])))
            case (.object(let o), .string(let key)):
                guard let v = o[key] else { throw TemplateError.undefined(source, "[\(JSONValue.pythonStringRepr(key))]") }
                return v
            default:
                throw TemplateError.evaluation(source, "cannot index \(b.typeName) with \(i.typeName)")
            }
        case .concat(let l, let r):
            let a = try evaluate(l, s), b = try evaluate(r, s)
            switch (a, b) {
            case (.string(let x), .string(let y)): return .string(x + y)
            case (.array(let x), .array(let y)): return .array(x + y)
            case (.int(let x), .int(let y)): return .int(x + y)
            default: throw TemplateError.evaluation(source, "cannot add \(a.typeName) and \(b.typeName)")
            }
        case .call(let base, let method, let argExprs):
            let b = try evaluate(base, s)
            let args = try argExprs.map { try evaluate($0, s) }
            return try call(b, method, args)
        }
    }

    func call(_ b: JSONValue, _ m: String, _ args: [JSONValue]) throws -> JSONValue {
        func strArg(_ i: Int) throws -> String? {
            guard i < args.count else { return nil }
            if args[i] == .null { return nil }
            guard let s = args[i].stringValue else { throw TemplateError.evaluation(source, "\(m)() argument must be a string") }
            return s
        }
        switch (b, m) {
        case (.string(let s), "strip"): return .string(PyString.strip(s, chars: try strArg(0), left: true, right: true))
        case (.string(let s), "lstrip"): return .string(PyString.strip(s, chars: try strArg(0), left: true, right: false))
        case (.string(let s), "rstrip"): return .string(PyString.strip(s, chars: try strArg(0), left: false, right: true))
        case (.string(let s), "lower"): return .string(s.lowercased())
        case (.string(let s), "upper"): return .string(s.uppercased())
        case (.string(let s), "capitalize"): return .string(PyString.capitalize(s))
        case (.string(let s), "replace"):
            guard let a = try strArg(0), let r = try strArg(1) else { throw TemplateError.evaluation(source, "replace() needs two strings") }
            return .string(PyString.replace(s, a, r))
        case (.string(let s), "split"):
            if let sep = try strArg(0) { return .array(PyString.split(s, sep).map { .string($0) }) }
            return .array(PyString.splitWhitespace(s).map { .string($0) })
        case (.array(let a), "index"):
            guard args.count == 1 else { throw TemplateError.evaluation(source, "index() takes one argument") }
            guard let k = a.firstIndex(of: args[0]) else {
                throw TemplateError.evaluation(source, "\(args[0].pythonRepr) is not in list \(b.pythonRepr)")
            }
            return .int(k)
        default:
            throw TemplateError.evaluation(source, "'\(b.typeName)' has no method \(m)()")
        }
    }
}

public enum TemplateError: Error, CustomStringConvertible, Equatable {
    case syntax(String, String)
    case undefined(String, String)
    case evaluation(String, String)
    public var description: String {
        switch self {
        case .syntax(let t, let m): return "template syntax error in \(JSONValue.pythonStringRepr(t)): \(m)"
        case .undefined(let t, let n): return "template \(JSONValue.pythonStringRepr(t)): '\(n)' is undefined"
        case .evaluation(let t, let m): return "template \(JSONValue.pythonStringRepr(t)): \(m)"
        }
    }
}

/// Recursive-descent parser for template expressions.
private struct ExprParser {
    let chars: [Character]
    let source: String
    var i = 0

    init(_ text: String, source: String) { chars = Array(text); self.source = source }

    func fail(_ m: String) -> TemplateError { .syntax(source, m) }

    mutating func skip() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    mutating func eat(_ c: Character) -> Bool {
        skip()
        if i < chars.count, chars[i] == c { i += 1; return true }
        return false
    }

    mutating func parseAll() throws -> Template.Expr {
        let e = try expr()
        skip()
        guard i == chars.count else { throw fail("unexpected '\(String(chars[i...]))'") }
        return e
    }

    mutating func expr() throws -> Template.Expr {
        var e = try postfix()
        while eat("+") { e = .concat(e, try postfix()) }
        return e
    }

    mutating func postfix() throws -> Template.Expr {
        var e = try primary()
        while true {
            if eat(".") {
                let name = try identifier()
                if eat("(") {
                    var args: [Template.Expr] = []
                    if !eat(")") {
                        repeat { args.append(try expr()) } while eat(",")
                        guard eat(")") else { throw fail("expected ')'") }
                    }
                    e = .call(e, name, args)
                } else {
                    e = .attribute(e, name)
                }
            } else if eat("[") {
                let idx = try expr()
                guard eat("]") else { throw fail("expected ']'") }
                e = .index(e, idx)
            } else {
                return e
            }
        }
    }

    mutating func identifier() throws -> String {
        skip()
        let start = i
        while i < chars.count, chars[i] == "_" || chars[i].isLetter || (i > start && chars[i].isNumber) { i += 1 }
        guard i > start else { throw fail("expected a name") }
        return String(chars[start..<i])
    }

    mutating func primary() throws -> Template.Expr {
        skip()
        guard i < chars.count else { throw fail("unexpected end of expression") }
        let c = chars[i]
        if c == "'" || c == "\"" { return .literal(.string(try stringLiteral())) }
        if c == "[" {
            i += 1
            var items: [Template.Expr] = []
            if !eat("]") {
                repeat { items.append(try expr()) } while eat(",")
                guard eat("]") else { throw fail("expected ']'") }
            }
            return .list(items)
        }
        if c == "(" {
            i += 1
            let e = try expr()
            guard eat(")") else { throw fail("expected ')'") }
            return e
        }
        if c == "-" || c.isASCII && c.isNumber {
            let start = i
            i += 1
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard let v = Int(String(chars[start..<i])) else { throw fail("bad integer") }
            return .literal(.int(v))
        }
        let name = try identifier()
        switch name {
        case "True": return .literal(.bool(true))
        case "False": return .literal(.bool(false))
        case "None": return .literal(.null)
        default: return .name(name)
        }
    }

    mutating func stringLiteral() throws -> String {
        let q = chars[i]
        i += 1
        var out = ""
        while true {
            guard i < chars.count else { throw fail("unterminated string literal") }
            let c = chars[i]
            i += 1
            if c == q { return out }
            if c == "\\" {
                guard i < chars.count else { throw fail("unterminated escape") }
                let e = chars[i]
                i += 1
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "\\": out += "\\"
                case "'": out += "'"
                case "\"": out += "\""
                default: out += "\\" + String(e)
                }
            } else {
                out.append(c)
            }
        }
    }
}
