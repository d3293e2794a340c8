import Foundation
import Store

/// The benchmark data directory (layout as ../shared/data) and checksum verification of every
/// file before use. Verified hashes are remembered, so a file is hashed once per process.
public final class DataSource {
    public let directory: URL
    /// Computes a file's sha256 hex digest; nil disables verification (recorded in provenance).
    let hasher: ((URL) throws -> String)?
    private var verified: [String: String] = [:]
    private let lock = NSLock()

    public init(directory: URL, hasher: ((URL) throws -> String)? = DataSource.defaultHasher) {
        self.directory = directory
        self.hasher = hasher
    }

    public var verifiesChecksums: Bool { hasher != nil }

    /// `--data-dir`, else `$SFTGO_DATA_DIR`, else `./data` (where `sftgo data fetch` puts it) when
    /// it holds data, else `../shared/data` beside the package checkout.
    public static func resolveDirectory(explicit: String?) throws -> URL {
        let fm = FileManager.default
        if let e = explicit, !e.isEmpty { return URL(fileURLWithPath: e) }
        if let env = ProcessInfo.processInfo.environment["SFTGO_DATA_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let local = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("data")
        if fm.fileExists(atPath: local.appendingPathComponent("mmlu").path) { return local }
        let shared = TaskRegistry.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        if fm.fileExists(atPath: shared.path) { return shared }
        throw DataError.noDataDirectory
    }

    /// The file at `spec.path`, after checking it exists and its sha256 matches.
    public func file(_ spec: DataFileSpec) throws -> URL {
        let url = directory.appendingPathComponent(spec.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataError.missingFile(path: spec.path, dataDirectory: directory.path)
        }
        guard let hasher = hasher, let expected = spec.sha256 else { return url }
        lock.lock()
        let known = verified[url.path]
        lock.unlock()
        if known == expected { return url }
        let actual = try hasher(url).lowercased()
        guard actual == expected else {
            throw DataError.checksumMismatch(path: spec.path, expected: expected, actual: actual)
        }
        lock.lock()
        verified[url.path] = actual
        lock.unlock()
        return url
    }

    /// The sha256 of every file verified so far (path relative to the data directory → hex).
    public var verifiedFiles: [String: String] {
        lock.lock(); defer { lock.unlock() }
        var out: [String: String] = [:]
        for (p, h) in verified {
            let rel = p.hasPrefix(directory.path + "/") ? String(p.dropFirst(directory.path.count + 1)) : p
            out[rel] = h
        }
        return out
    }

    /// The Store module's streaming SHA-256.
    public static let defaultHasher: ((URL) throws -> String)? = { try SHA256.hex(ofFile: $0) }
}
