import Foundation

/// A JSON (or Python-literal-like) value whose objects keep key order. Documents, task-template
/// values and our output files are all `JSONValue`s: TruthfulQA's choices are an object's keys in
/// file order, which Foundation's JSONSerialization does not preserve.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Python's type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}

/// An insertion-ordered string-keyed map with Python dict semantics: assigning an existing key
/// replaces the value in place (so a duplicate key in a JSON file keeps its first position and its
/// last value, as `json.load` does).
public struct JSONObject: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var values: [JSONValue] { keys.map { storage[$0]! } }
    public var pairs: [(String, JSONValue)] { keys.map { ($0, storage[$0]!) } }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let v = newValue {
                if storage.updateValue(v, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        // Python dict equality ignores order.
        a.storage == b.storage
    }
}

// MARK: - Parsing

public struct JSONParseError: Error, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "JSON syntax error at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259; Python's `json.loads` extras NaN/Infinity are accepted).
    public static func parse(_ text: String) throws -> JSONValue {
        var bytes = Array(text.utf8)
        return try parse(bytes: &bytes)
    }

    public static func parse(data: Data) throws -> JSONValue {
        var bytes = [UInt8](data)
        return try parse(bytes: &bytes)
    }

    static func parse(bytes: inout [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buf in
            var p = JSONParser(buf: buf)
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            if p.i != buf.count { throw p.error("extra data after the value") }
            return v
        }
    }
}

private struct JSONParser {
    let buf: UnsafeBufferPointer<UInt8>
    var i = 0

    init(buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    func error(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

    mutating func skipSpace() {
        while i < buf.count {
            let c = buf[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
    }

    mutating func expect(_ literal: String) throws {
        for b in literal.utf8 {
            guard i < buf.count, buf[i] == b else { throw error("expected '\(literal)'") }
            i += 1
        }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard i < buf.count else { throw error("unexpected end of input") }
        switch buf[i] {
        case UInt8(ascii: "{"):
            i += 1
            var obj = JSONObject()
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
            while true {
                skipSpace()
                guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipSpace()
                try expect(":")
                skipSpace()
                obj[key] = try value(depth: depth + 1)
                skipSpace()
                guard i < buf.count else { throw error("unterminated object") }
                if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                if buf[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var arr: [JSONValue] = []
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
            while true {
                skipSpace()
                arr.append(try value(depth: depth + 1))
                skipSpace()
                guard i < buf.count else { throw error("unterminated array") }
                if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                if buf[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "N"): try expect("NaN"); return .double(.nan)
        case UInt8(ascii: "I"): try expect("Infinity"); return .double(.infinity)
        default:
            return try number()
        }
    }

    mutating func number() throws -> JSONValue {
        let start = i
        if i < buf.count, buf[i] == UInt8(ascii: "-") {
            i += 1
            if i < buf.count, buf[i] == UInt8(ascii: "I") { try expect("Infinity"); return .double(-.infinity) }
        }
        var isFloat = false
        var digits = 0
        while i < buf.count {
            let c = buf[i]
            if c >= 0x30 && c <= 0x39 { digits += 1; i += 1 }
            else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                        || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && isFloat) { isFloat = true; i += 1 }
            else { break }
        }
        guard digits > 0 else { i = start; throw error("unexpected character") }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        if !isFloat, let v = Int(text) { return .int(v) }
        guard let d = Double(text) else { throw error("bad number '\(text)'") }
        return .double(d)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= buf.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[i]
            v <<= 4
            switch c {
            case 0x30...0x39: v |= UInt32(c - 0x30)
            case 0x41...0x46: v |= UInt32(c - 0x41 + 10)
            case 0x61...0x66: v |= UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape")
            }
            i += 1
        }
        return v
    }

    mutating func string() throws -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        var runStart = i
        while true {
            guard i < buf.count else { throw error("unterminated string") }
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i]))
                i += 1
                break
            }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i]))
            i += 1
            guard i < buf.count else { throw error("unterminated escape") }
            let e = buf[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00, i + 1 < buf.count,
                   buf[i] == UInt8(ascii: "\\"), buf[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let lo = try hex4()
                    if lo >= 0xDC00 && lo < 0xE000 {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    } else { i = save }
                }
                // A lone surrogate cannot be stored in a Swift String; U+FFFD stands in.
                let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw error("bad escape '\\\(Character(Unicode.Scalar(e)))'")
            }
            runStart = i
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - Serialisation

extension JSONValue {
    /// JSON text. `indent` > 0 pretty-prints like Python's `json.dumps(indent=…)`; non-ASCII is
    /// written as is (`ensure_ascii=False`).
    public func serialized(indent: Int = 0) -> String {
        var out = ""
        write(to: &out, indent: indent, level: 0)
        return out
    }

    private func write(to out: inout String, indent: Int, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let d): out += JSONValue.pythonFloatRepr(d, json: true)
        case .string(let s): JSONValue.writeJSONString(s, to: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (n, v) in a.enumerated() {
                if n > 0 { out += indent > 0 ? "," : ", " }
                if indent > 0 { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                v.write(to: &out, indent: indent, level: level + 1)
            }
            if indent > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let o):
            if o.count == 0 { out += "{}"; return }
            out += "{"
            for (n, (k, v)) in o.pairs.enumerated() {
                if n > 0 { out += indent > 0 ? "," : ", " }
                if indent > 0 { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                JSONValue.writeJSONString(k, to: &out)
                out += ": "
                v.write(to: &out, indent: indent, level: level + 1)
            }
            if indent > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    static func writeJSONString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Python's `repr(float)` (shortest round-trip digits; Swift's `description` uses the same
    /// shortest-digits algorithm), with Python's spelling of exponents and specials.
    static func pythonFloatRepr(_ d: Double, json: Bool = false) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        var s = "\(d)"
        // Swift writes 1e-05 as "1e-05"; Python as "1e-05" too; large: Swift "1e+16", Python "1e+16".
        if let e = s.firstIndex(of: "e") {
            let mant = s[..<e]
            var exp = String(s[s.index(after: e)...])
            var sign = "+"
            if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
            if exp.count < 2 { exp = "0" + exp }
            s = mant + "e" + sign + exp
        }
        return s
    }

    /// Python `repr()` of the value, which is what Jinja prints for a list or dict.
    public var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let v): return String(v)
        case .double(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            return JSONValue.pythonFloatRepr(d)
        case .string(let s): return JSONValue.pythonStringRepr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.pairs.map { JSONValue.pythonStringRepr($0.0) + ": " + $0.1.pythonRepr }
                .joined(separator: ", ") + "}"
        }
    }

    static func pythonStringRepr(_ s: String) -> String {
        let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote { out += "\\" + String(quote) }
                else if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02x", u.value) }
                else { out.unicodeScalars.append(u) }
            }
        }
        out.append(quote)
        return out
    }

    /// Jinja's rendering of a value inside `{{ }}`: strings as they are, everything else as `str()`.
    public var jinjaText: String {
        if case .string(let s) = self { return s }
        return pythonRepr
    }
}
