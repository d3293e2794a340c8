import Checkpoints

// The evaluator's JSON values are the package's one JSON type (Checkpoints/JSONValue.swift:
// key order kept with Python dict semantics, parsed and written as Python's `json` does). The
// aliases keep Evaluation's files and its users free of a Checkpoints import.
public typealias JSONValue = Checkpoints.JSONValue
public typealias JSONObject = Checkpoints.JSONObject
public typealias JSONParseError = Checkpoints.JSONParseError

extension JSONValue {
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
