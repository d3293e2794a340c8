import Foundation

/// A JSON document as a value, one type for the whole package: checkpoint files (config.json,
/// safetensors headers, the tokenizer files an import writes) and the evaluator's documents,
/// task-template values and results. Objects keep their key order with Python dict semantics
/// (JSONObject): files we write read in the order people expect, and TruthfulQA's choices are an
/// object's keys in file order. Parsing and writing follow Python's `json` module (JSONParser.swift).
public enum JSONValue: Equatable, Sendable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    // Codable through the JSON text itself, so a JSONValue nested in a Codable struct survives
    // (Foundation's coders do not keep key order: keys are sorted on decoding).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = b ? .bool(true) : .bool(false) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else {
            let o = try c.decode([String: JSONValue].self)
            self = .object(JSONObject(o.keys.sorted().map { ($0, o[$0]!) }))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(Dictionary(o.pairs, uniquingKeysWith: { _, last in last }))
        }
    }

    // MARK: access

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
    public var objectValue: JSONObject? { if case let .object(o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// Integers, and doubles that hold an exact integer (some writers emit `2.0`; Python compares
    /// `2.0 == 2` as equal too).
    public var intValue: Int? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }
}

/// An insertion-ordered string-keyed map with Python dict semantics: assigning an existing key
/// replaces the value in place (so a duplicate key in a JSON file keeps its first position and its
/// last value, as `json.load` does), and equality ignores order.
public struct JSONObject: Equatable, Sendable, ExpressibleByArrayLiteral {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }
    public init(arrayLiteral pairs: (String, JSONValue)...) { self.init(pairs) }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
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

    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.storage == b.storage }
}

// MARK: - Writing

extension JSONValue {
    /// JSON text as Python's `json.dumps(ensure_ascii=False)` writes it: `indent` > 0 pretty-prints
    /// (`indent=…`); otherwise one line with ", " and ": " separators, or with `compact` "," and ":"
    /// (`separators=(",", ":")`, the form of safetensors headers). Floats are Python's repr;
    /// NaN and infinities are written as Python does (NaN, Infinity).
    public func serialized(indent: Int = 0, compact: Bool = false) -> String {
        var out = ""
        write(into: &out, indent: indent, item: indent > 0 || compact ? "," : ", ", key: compact && indent <= 0 ? ":" : ": ",
              level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int, item: String, key: String, level: Int) {
        func newline(_ level: Int) {
            guard indent > 0 else { return }
            out += "\n" + String(repeating: " ", count: indent * level)
        }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += JSONValue.pythonFloatRepr(d, json: true)
        case let .string(s): JSONValue.writeJSONString(s, to: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (n, v) in a.enumerated() {
                if n > 0 { out += item }
                newline(level + 1)
                v.write(into: &out, indent: indent, item: item, key: key, level: level + 1)
            }
            newline(level)
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (k, v)) in o.pairs.enumerated() {
                if n > 0 { out += item }
                newline(level + 1)
                JSONValue.writeJSONString(k, to: &out)
                out += key
                v.write(into: &out, indent: indent, item: item, key: key, level: level + 1)
            }
            newline(level)
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
    /// shortest-digits algorithm), with Python's spelling of exponents; NaN and infinities as
    /// `json.dumps` spells them (`pythonRepr` in Evaluation handles repr's nan/inf itself).
    public static func pythonFloatRepr(_ d: Double, json: Bool = false) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        var s = "\(d)"
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

    /// Writes the pretty form (`indent` spaces, trailing newline) or, with indent 0, the one-line form.
    public func write(to url: URL, indent: Int = 2) throws {
        do { try Data((serialized(indent: indent) + (indent > 0 ? "\n" : "")).utf8).write(to: url) }
        catch { throw CheckpointError.writeFailed(file: url.path, reason: error.localizedDescription) }
    }
}
