import Checkpoints
import Foundation

// Tokenizer files are parsed by the project's one JSON parser (Checkpoints' JSONValue, Python
// `json` semantics). Tokenizers imports Checkpoints for that alone; Checkpoints never imports
// Tokenizers, so the two stay one layer (no cycle, nothing upward).

/// Typed access to a parsed JSON value, with errors naming the file and field path.
struct JSONNode {
    let value: JSONValue?
    let file: String
    let path: String

    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try parse(data, path: url.path)
    }

    /// Parses a file's contents; `path` names it in errors.
    static func parse(_ data: Data, path: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONValue.parse(data: data), file: URL(fileURLWithPath: path).lastPathComponent, path: "")
        } catch let e as JSONParseError {
            throw TokenizerError.invalidJSON(path: path, reason: e.description)
        }
    }

    /// A value some other reader already parsed (ModelFolder), named as `file`.
    static func root(_ value: JSONValue, path: String) -> JSONNode {
        JSONNode(value: value, file: URL(fileURLWithPath: path).lastPathComponent, path: "")
    }

    var isNull: Bool { value?.isNull ?? true }

    subscript(key: String) -> JSONNode {
        JSONNode(value: value?[key], file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func required(_ key: String) throws -> JSONNode {
        let c = self[key]
        if c.isNull { throw TokenizerError.missingField(file: file, field: c.path) }
        return c
    }

    func fail(_ reason: String) -> TokenizerError {
        TokenizerError.invalidField(file: file, field: path, reason: reason)
    }

    func string() throws -> String {
        guard let s = value?.stringValue else { throw fail("must be a string") }
        return s
    }
    var optString: String? { value?.stringValue }

    func int() throws -> Int {
        guard let n = value?.intValue else { throw fail("must be an integer") }
        return n
    }
    var optInt: Int? { value?.intValue }
    var optDouble: Double? { value?.doubleValue }

    func bool(default d: Bool) throws -> Bool {
        if isNull { return d }
        guard let b = value?.boolValue else { throw fail("must be a boolean") }
        return b
    }

    func array() throws -> [JSONNode] {
        guard let a = value?.arrayValue else { throw fail("must be an array") }
        return a.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }
    var optArray: [JSONNode]? { try? array() }

    func object() throws -> JSONObject {
        guard let o = value?.objectValue else { throw fail("must be an object") }
        return o
    }

    var typeName: String? { self["type"].optString }
}
