import Foundation
import Yams

/// Every task and group defined by the YAML files under a tasks directory (searched recursively).
/// A file with `task:` defines a task, one with `group:` a group; a file with neither is a
/// template that others `include:` (path relative to the including file; its keys are overridden
/// by the includer's). A task's `tag:` names a tag that expands to all its tasks (in name order).
public final class TaskRegistry {
    public private(set) var tasks: [String: TaskConfig] = [:]
    public private(set) var groups: [String: GroupConfig] = [:]
    public private(set) var tags: [String: [String]] = [:]
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw TaskConfigError.invalid(file: directory.path, field: "-", message: "tasks directory not found")
        }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "yaml" || url.pathExtension == "yml" {
            files.append(url)
        }
        files.sort { $0.path < $1.path }
        var cache: [String: JSONObject] = [:]
        for url in files {
            let merged = try TaskRegistry.loadMerged(url, cache: &cache, stack: [])
            let rel = url.path.hasPrefix(directory.path) ? String(url.path.dropFirst(directory.path.count + 1)) : url.path
            if merged["group"] != nil {
                let g = try GroupConfig(yaml: merged, file: rel)
                if let old = groups[g.name] { throw TaskConfigError.duplicate(g.name, files: [old.sourceFile, rel]) }
                groups[g.name] = g
            } else if merged["task"] != nil {
                let t = try TaskConfig(yaml: merged, file: rel)
                if let old = tasks[t.name] { throw TaskConfigError.duplicate(t.name, files: [old.sourceFile, rel]) }
                tasks[t.name] = t
            }
        }
        for name in tasks.keys.sorted() {
            for tag in tasks[name]!.tags { tags[tag, default: []].append(name) }
        }
        for g in groups.values {
            for m in g.members where tasks[m] == nil && groups[m] == nil && tags[m] == nil {
                throw TaskConfigError.invalid(file: g.sourceFile, field: "task", message: "unknown member '\(m)'")
            }
        }
        try checkGroupCycles()
    }

    /// A group that contains itself, directly or through other groups, would expand forever.
    private func checkGroupCycles() throws {
        var done = Set<String>()
        func visit(_ name: String, _ path: [String]) throws {
            if let i = path.firstIndex(of: name) {
                let g = groups[name]!
                throw TaskConfigError.invalid(file: g.sourceFile, field: "task",
                                              message: "group cycle \((path[i...] + [name]).joined(separator: " → "))")
            }
            guard !done.contains(name), tasks[name] == nil, let g = groups[name] else { return }
            for m in g.members { try visit(m, path + [name]) }
            done.insert(name)
        }
        for name in groups.keys.sorted() { try visit(name, []) }
    }

    /// The YAML of `url` with its `include` chain merged in.
    static func loadMerged(_ url: URL, cache: inout [String: JSONObject], stack: [String]) throws -> JSONObject {
        if let c = cache[url.path] { return c }
        guard !stack.contains(url.path) else { throw TaskConfigError.includeCycle(url.path) }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TaskConfigError.invalid(file: url.path, field: "-", message: "cannot read file")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw TaskConfigError.invalid(file: url.path, field: "-", message: "YAML syntax: \(error)")
        }
        guard let node = node, case .object(let obj) = try yamlValue(node, file: url.path) else {
            throw TaskConfigError.invalid(file: url.path, field: "-", message: "expected a mapping at the top level")
        }
        var result = obj
        if let inc = obj["include"]?.stringValue {
            let incURL = url.deletingLastPathComponent().appendingPathComponent(inc)
            var base = try loadMerged(incURL, cache: &cache, stack: stack + [url.path])
            for (k, v) in obj.pairs where k != "include" { base[k] = v }
            result = base
        }
        cache[url.path] = result
        return result
    }

    /// Converts a composed YAML node, keeping mapping order and resolving scalar types.
    static func yamlValue(_ node: Node, file: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            // Quoted scalars resolve to str; plain ones by YAML 1.1 core rules.
            if s.style == .plain || s.style == .any {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .int(i) }
                if let f = node.float { return .double(f) }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(try seq.map { try yamlValue($0, file: file) })
        case .mapping(let map):
            var o = JSONObject()
            for (k, v) in map {
                guard let key = k.string else {
                    throw TaskConfigError.invalid(file: file, field: "-", message: "mapping keys must be strings")
                }
                o[key] = try yamlValue(v, file: file)
            }
            return .object(o)
        case .alias:
            throw TaskConfigError.invalid(file: file, field: "-", message: "YAML aliases are not supported")
        }
    }

    /// Names a user may pass to `--tasks`.
    public var knownNames: [String] {
        (Array(tasks.keys) + Array(groups.keys) + Array(tags.keys)).sorted()
    }

    /// Leaf tasks under a task, group or tag name, in definition order (duplicates dropped).
    public func leafTasks(of name: String) throws -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        func visit(_ n: String) throws {
            if tasks[n] != nil {
                if seen.insert(n).inserted { out.append(n) }
            } else if let g = groups[n] {
                for m in g.members { try visit(m) }
            } else if let t = tags[n] {
                for m in t { try visit(m) }
            } else {
                throw TaskConfigError.unknownTask(n, known: knownNames.filter { !$0.hasPrefix("mmlu_") || groups[$0] != nil })
            }
        }
        try visit(name)
        return out
    }

    /// The default tasks directory: `$SFTGO_TASKS_DIR`, else `tasks/` beside the built products'
    /// package (…/.build/<config>/ → …/tasks), else the source checkout this file was built from.
    public static func defaultDirectory() -> URL? {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["SFTGO_TASKS_DIR"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("tasks"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("tasks"))
        candidates.append(packageRoot.appendingPathComponent("tasks"))
        return candidates.first { fm.fileExists(atPath: $0.appendingPathComponent("mmlu").path) }
    }

    /// The package root of the source this module was compiled from.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)  // …/Sources/Evaluation/Tasks/TaskRegistry.swift
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}
