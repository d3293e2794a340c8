import Checkpoints
import Foundation
import Yams

/// A YAML node with the file and dotted field path it came from, so every complaint about a spec
/// names file, line and field. Mapping order is kept (rows and columns follow the file).
public struct YAMLField {
    public let node: Node
    public let file: String
    public let path: String

    public static func load(_ url: URL) throws -> YAMLField {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw SpecError(file: url.path, field: "-", message: "cannot read file")
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> YAMLField {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw SpecError(file: file, field: "-", message: "YAML syntax: \(error)")
        }
        guard let node else { throw SpecError(file: file, field: "-", message: "empty file") }
        return YAMLField(node: node, file: file, path: "")
    }

    public var line: Int? { node.mark.map { $0.line } }

    public func error(_ message: String) -> SpecError {
        SpecError(file: file, line: line, field: path.isEmpty ? "-" : path, message: message)
    }

    func child(_ n: Node, _ key: String) -> YAMLField {
        YAMLField(node: n, file: file, path: path.isEmpty ? key : path + "." + key)
    }

    // MARK: mappings

    /// The mapping's entries in file order.
    public func entries() throws -> [(String, YAMLField)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping") }
        return try m.map { k, v in
            guard let key = k.string else { throw error("mapping keys must be strings") }
            return (key, child(v, key))
        }
    }

    public func optional(_ key: String) throws -> YAMLField? {
        guard case .mapping(let m) = node else { throw error("expected a mapping") }
        guard let v = m[Node(key)] else { return nil }
        if v.null != nil, case .scalar(let s) = v, s.style == .plain { return nil }
        return child(v, key)
    }

    public func required(_ key: String) throws -> YAMLField {
        guard let v = try optional(key) else { throw error("missing field '\(key)'") }
        return v
    }

    /// Rejects keys other than `allowed`, so a misspelt option is an error, not ignored.
    public func onlyKeys(_ allowed: Set<String>) throws {
        for (k, v) in try entries() where !allowed.contains(k) {
            throw v.error("unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: sequences and scalars

    public func items() throws -> [YAMLField] {
        guard case .sequence(let s) = node else { throw error("expected a list") }
        return s.enumerated().map { i, n in child(n, "[\(i)]") }
    }

    public var isSequence: Bool { if case .sequence = node { return true }; return false }
    public var isMapping: Bool { if case .mapping = node { return true }; return false }
    public var isNull: Bool { node.null != nil }

    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("expected a string") }
        return s.string
    }

    public func double() throws -> Double {
        guard case .scalar = node, let d = node.float ?? node.int.map(Double.init) else {
            throw error("expected a number")
        }
        return d
    }

    public func int() throws -> Int {
        guard case .scalar = node, let i = node.int else { throw error("expected an integer") }
        return i
    }

    public func bool() throws -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error("expected true or false") }
        return b
    }

    /// A scalar or a list of scalars read by `read` (grid axes accept both spellings).
    public func oneOrMany<T>(_ read: (YAMLField) throws -> T) throws -> [T] {
        isSequence ? try items().map(read) : [try read(self)]
    }

    /// The subtree as a JSON value (key order kept), for settings passed through to the runner.
    public func json() throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain || s.style == .any {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .int(i) }
                if let f = node.float { return .double(f) }
            }
            return .string(s.string)
        case .sequence:
            return .array(try items().map { try $0.json() })
        case .mapping:
            var o = JSONObject()
            for (k, v) in try entries() { o[k] = try v.json() }
            return .object(o)
        case .alias:
            throw error("YAML aliases are not supported")
        }
    }

    public func object() throws -> JSONObject {
        guard case .object(let o) = try json() else { throw error("expected a mapping") }
        return o
    }
}
