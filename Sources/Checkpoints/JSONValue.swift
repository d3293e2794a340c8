import Foundation

/// A JSON document as a value. Objects keep their key order so that files we write
/// (config.json, tokenizer.json) read in the order people expect.
public enum JSONValue: Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    // Codable through the JSON text itself, so a JSONValue nested in a Codable struct survives.
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
            self = .object(o.keys.sorted().map { ($0, o[$0]!) })
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
        case let .object(o):
            try c.encode(Dictionary(o, uniquingKeysWith: { _, last in last }))
        }
    }

    // MARK: access

    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o.first(where: { $0.0 == key })?.1 }
        return nil
    }
    public var objectValue: [(String, JSONValue)]? { if case let .object(o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// Integers, and doubles that hold an exact integer (some writers emit `2.0`).
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

    // MARK: parse

    public static func parse(_ data: Data, file: String) throws -> JSONValue {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
        catch { throw CheckpointError.badJSON(file: file, reason: "\(error.localizedDescription)") }
        return convert(any)
    }

    public static func load(_ url: URL) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw CheckpointError.cannotOpen(file: url.path, reason: error.localizedDescription) }
        return try parse(data, file: url.path)
    }

    private static func convert(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let n as NSNumber:
            let t = String(cString: n.objCType)
            // JSON booleans arrive as NSNumber with objCType "c" (JSON never yields Int8).
            if t == "c" { return .bool(n.boolValue) }
            if t == "d" || t == "f" { return .double(n.doubleValue) }
            if t == "Q" && n.uint64Value > UInt64(Int.max) { return .double(n.doubleValue) }
            return .int(n.intValue)
        case let a as [Any]: return .array(a.map(convert))
        case let o as [String: Any]: return .object(o.keys.sorted().map { ($0, convert(o[$0]!)) })
        default: return .null
        }
    }

    // MARK: serialise

    /// JSON text. `indent` nil gives the compact form.
    public func serialized(indent: Int? = 2) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            if d.isFinite { out += d.description } else { out += "null" }
        case let .string(s): JSONValue.writeString(s, into: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += "," }
                JSONValue.newline(&out, indent, level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (k, (key, v)) in o.enumerated() {
                if k > 0 { out += "," }
                JSONValue.newline(&out, indent, level + 1)
                JSONValue.writeString(key, into: &out)
                out += indent == nil ? ":" : ": "
                v.write(into: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * level)
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                        + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    public func write(to url: URL, indent: Int? = 2) throws {
        do { try Data((serialized(indent: indent) + (indent == nil ? "" : "\n")).utf8).write(to: url) }
        catch { throw CheckpointError.writeFailed(file: url.path, reason: error.localizedDescription) }
    }
}
