import Foundation

// JSON text to JSONValue as Python's `json.loads` reads it: objects in file order, a duplicate key
// keeps its first position and last value, NaN / Infinity / -Infinity accepted, integers without
// a fraction or exponent stay integers.

// MARK: - Parsing

public struct JSONParseError: Error, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "JSON syntax error at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses a checkpoint's JSON file contents; errors name `file`.
    public static func parse(_ data: Data, file: String) throws -> JSONValue {
        do { return try parse(data: data) }
        catch let e as JSONParseError { throw CheckpointError.badJSON(file: file, reason: e.description) }
    }

    public static func load(_ url: URL) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw CheckpointError.cannotOpen(file: url.path, reason: error.localizedDescription) }
        return try parse(data, file: url.path)
    }

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

    /// A number as Python's `json` scanner reads one: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`
    /// (so `01`, `1.`, `.5`, `1e` and `+1` are not numbers), or `-Infinity`.
    mutating func number() throws -> JSONValue {
        let start = i
        func digit(_ k: Int) -> Bool { k < buf.count && buf[k] >= 0x30 && buf[k] <= 0x39 }
        if i < buf.count, buf[i] == UInt8(ascii: "-") {
            i += 1
            if i < buf.count, buf[i] == UInt8(ascii: "I") { try expect("Infinity"); return .double(-.infinity) }
        }
        guard digit(i) else { i = start; throw error("unexpected character") }
        if buf[i] == 0x30 { i += 1 } else { while digit(i) { i += 1 } }
        var isFloat = false
        if i < buf.count, buf[i] == UInt8(ascii: "."), digit(i + 1) {
            isFloat = true
            i += 1
            while digit(i) { i += 1 }
        }
        if i < buf.count, buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
            var k = i + 1
            if k < buf.count, buf[k] == UInt8(ascii: "+") || buf[k] == UInt8(ascii: "-") { k += 1 }
            if digit(k) {
                isFloat = true
                i = k
                while digit(i) { i += 1 }
            }
        }
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
