import Foundation

/// Typed access to a parsed JSON object, with errors naming the file and field path.
struct JSONNode {
    let value: Any?
    let file: String
    let path: String

    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do {
            let v = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONNode(value: v, file: url.lastPathComponent, path: "")
        } catch {
            throw TokenizerError.invalidJSON(path: url.path, reason: error.localizedDescription)
        }
    }

    var isNull: Bool { value == nil || value is NSNull }

    subscript(key: String) -> JSONNode {
        let child = (value as? [String: Any])?[key]
        return JSONNode(value: child, file: file, path: path.isEmpty ? key : "\(path).\(key)")
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
        guard let s = value as? String else { throw fail("must be a string") }
        return s
    }
    var optString: String? { value as? String }

    func int() throws -> Int {
        guard let n = value as? NSNumber else { throw fail("must be an integer") }
        return n.intValue
    }
    var optInt: Int? { (value as? NSNumber)?.intValue }

    func bool(default d: Bool) throws -> Bool {
        if isNull { return d }
        guard let n = value as? NSNumber else { throw fail("must be a boolean") }
        return n.boolValue
    }

    func array() throws -> [JSONNode] {
        guard let a = value as? [Any] else { throw fail("must be an array") }
        return a.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    func object() throws -> [String: Any] {
        guard let o = value as? [String: Any] else { throw fail("must be an object") }
        return o
    }

    var typeName: String? { self["type"].optString }
}
