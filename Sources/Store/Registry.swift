import Foundation
import Yams

/// The data registry (Registry/datasets.yaml): what each data set is, where it comes from and how to
/// recognise its exact files. Data, not code: adding a data set means editing the YAML only.
public struct Registry: Decodable {
    public var version: Int
    public var datasets: [Dataset]

    public struct Dataset: Decodable {
        public var name: String
        public var title: String
        public var license: String
        public var use: String?
        /// The variant `data fetch` gets by default (the first variant when absent).
        public var defaultVariant: String?
        public var variants: [Variant]

        enum CodingKeys: String, CodingKey {
            case name, title, license, use, variants
            case defaultVariant = "default_variant"
        }

        public var fetchVariant: Variant {
            variants.first { $0.id == defaultVariant } ?? variants[0]
        }
    }

    public struct Variant: Decodable {
        public var id: String
        /// "upstream" or "local" (a copy that differs from upstream; `provenance` says how).
        public var kind: String
        public var provenance: String
        public var archive: Archive?
        public var files: [File]

        public var isFetchable: Bool {
            archive != nil || files.filter(\.isRequired).allSatisfy { $0.url != nil }
        }
    }

    public struct Archive: Decodable {
        public var url: String
        public var format: String
        public var sha256: String?
    }

    public struct File: Decodable {
        public var path: String
        public var url: String?
        public var bytes: Int64?
        public var sha256: String?
        public var gitBlob: String?
        public var rows: Int?
        public var format: String?
        /// A substring of the first record: a cheap content check for files verified by rows only.
        public var first: String?
        public var required: Bool?

        enum CodingKeys: String, CodingKey {
            case path, url, bytes, sha256, rows, format, first, required
            case gitBlob = "git_blob"
        }

        public var isRequired: Bool { required ?? true }

        /// The strongest identity this entry carries, as shown to users.
        public var identity: String {
            if let s = sha256 { return "sha256 \(s.prefix(12))…" }
            if let g = gitBlob { return "git blob \(g.prefix(12))…" }
            if let r = rows { return "\(r) rows" }
            return "size only"
        }
    }

    public func dataset(_ name: String) throws -> Dataset {
        guard let d = datasets.first(where: { $0.name == name }) else {
            throw StoreError.unknownDataset(name, known: datasets.map(\.name))
        }
        return d
    }

    public static func parse(yaml: String) throws -> Registry {
        let reg: Registry
        do { reg = try YAMLDecoder().decode(Registry.self, from: yaml) } catch {
            throw StoreError.registry("cannot parse: \(error)")
        }
        try reg.validate()
        return reg
    }

    /// Structural checks so a typo in the YAML fails loudly instead of silently weakening a check.
    func validate() throws {
        var names = Set<String>()
        for d in datasets {
            guard names.insert(d.name).inserted else { throw StoreError.registry("data set '\(d.name)' listed twice") }
            guard !d.variants.isEmpty else { throw StoreError.registry("\(d.name): no variants") }
            if let dv = d.defaultVariant, !d.variants.contains(where: { $0.id == dv }) {
                throw StoreError.registry("\(d.name): default_variant '\(dv)' is not a variant")
            }
            for v in d.variants {
                guard v.kind == "upstream" || v.kind == "local" else {
                    throw StoreError.registry("\(d.name)/\(v.id): kind must be upstream or local, not '\(v.kind)'")
                }
                for f in v.files {
                    guard DataPath.isSafeRelative(f.path) else { throw StoreError.registry("\(d.name): unsafe path '\(f.path)'") }
                    if f.sha256 == nil && f.gitBlob == nil && f.rows == nil {
                        throw StoreError.registry("\(d.name)/\(f.path): no identity check (sha256, git_blob or rows)")
                    }
                    if let s = f.sha256, !isHex(s, count: 64) { throw StoreError.registry("\(d.name)/\(f.path): bad sha256") }
                    if let g = f.gitBlob, !isHex(g, count: 40) { throw StoreError.registry("\(d.name)/\(f.path): bad git_blob") }
                    if let fm = f.format, !RowCounter.formats.contains(fm) {
                        throw StoreError.registry("\(d.name)/\(f.path): unknown format '\(fm)'")
                    }
                    if f.rows != nil && f.format == nil { throw StoreError.registry("\(d.name)/\(f.path): rows need a format") }
                }
            }
        }
    }

    /// The registry shipped with sftgo; `SFTGO_REGISTRY` (a YAML file) overrides it.
    public static func builtIn() throws -> Registry {
        if let override = ProcessInfo.processInfo.environment["SFTGO_REGISTRY"], !override.isEmpty {
            return try load(URL(fileURLWithPath: override))
        }
        guard let url = Bundle.module.url(forResource: "Registry", withExtension: nil)?
            .appendingPathComponent("datasets.yaml") else {
            throw StoreError.registry("Registry/datasets.yaml is missing from the Store resources")
        }
        return try load(url)
    }

    public static func load(_ url: URL) throws -> Registry {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StoreError.io(path: url.path, reason: "cannot read the registry")
        }
        return try parse(yaml: text)
    }
}

func isHex(_ s: String, count: Int) -> Bool {
    s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
}

enum DataPath {
    /// Relative, no `..`, no empty or `.` components, no backslashes.
    static func isSafeRelative(_ p: String) -> Bool {
        guard !p.isEmpty, !p.hasPrefix("/"), !p.contains("\\"), !p.contains("\0") else { return false }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
