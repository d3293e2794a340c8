import Foundation

/// The state of one registered data set in the data directory.
public struct DatasetStatus {
    public enum State: Equatable {
        /// Every required file of `variant` is present and matches its identity check.
        case verified(variant: String)
        /// No file of the set is present.
        case missing
        /// Some files are present but the set does not verify; `problems` names each file.
        case incomplete
    }
    public var dataset: Registry.Dataset
    public var state: State
    /// (path relative to the data root, what is wrong) for the closest variant.
    public var problems: [(path: String, problem: String)]
    /// Number of registered files of the verified (or closest) variant present and verified.
    public var verifiedFiles: Int
    public var totalFiles: Int
    /// The command that gets or repairs the set.
    public var remedy: String

    public var variant: Registry.Variant? {
        if case let .verified(id) = state { return dataset.variants.first { $0.id == id } }
        return nil
    }
}

/// The data directory: `$SFTGO_DATA_DIR`, else `./data`. Data set NAME lives in `<root>/NAME/`, laid
/// out exactly like ../shared/data (e.g. `mmlu/data/test/abstract_algebra_test.csv`).
public struct DataStore {
    public var root: URL
    public let registry: Registry
    let verifier: Verifier
    /// Largest archive member extracted for a file registered without a size (a decompression bomb
    /// stops here instead of filling the disk).
    public var unsizedMemberCap: Int64 = 1 << 30

    public static func defaultRoot() -> URL {
        if let env = ProcessInfo.processInfo.environment["SFTGO_DATA_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true).standardizedFileURL
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent("data", isDirectory: true)
    }

    /// nil → `SFTGO_DATA_DIR` or `./data`. Uses the registry shipped with sftgo.
    public init(root: URL? = nil) {
        let reg: Registry
        do { reg = try Registry.builtIn() } catch {
            // The shipped registry is validated by the tests; reaching this is a broken install.
            fatalError("\(error)")
        }
        self.init(root: root, registry: reg)
    }

    public init(root: URL?, registry: Registry) {
        self.root = (root ?? DataStore.defaultRoot()).standardizedFileURL
        self.registry = registry
        self.verifier = Verifier(root: self.root)
    }

    /// `<root>/<dataset>/<path>`.
    public func url(dataset: String, path: String) -> URL {
        root.appendingPathComponent(dataset, isDirectory: true).appendingPathComponent(path)
    }

    /// The command that gets data set `name`.
    public func remedy(for d: Registry.Dataset) -> String {
        let v = d.fetchVariant
        let what = v.files.count == 1 ? v.files[0].path : "its files"
        if v.isFetchable {
            var s = "sftgo data fetch \(d.name)"
            if v.files.contains(where: { $0.url?.contains("huggingface.co") == true }) { s += " (gated: set HF_TOKEN)" }
            if let a = v.archive { s += " (downloads \(a.url))" }
            else if v.files.count == 1, let u = v.files[0].url { s += " (downloads \(u))" }
            return s + ", or: sftgo data import <folder, archive or file holding \(what)>"
        }
        return "sftgo data import <folder, archive or file holding \(what)>"
    }

    /// The file for a registered data set, verified against the registry (digests cached by size,
    /// mtime and inode). `path` is relative to the data set's folder (`data/test/x_test.csv`) or to
    /// the data root (`mmlu/data/test/x_test.csv`). Throws `StoreError.missing` / `.corrupt`
    /// naming the file and the command that gets it.
    public func verifiedFile(dataset: String, path: String) throws -> URL {
        let d = try registry.dataset(dataset)
        var rel = path
        func registered(_ p: String) -> [Registry.File] {
            d.variants.flatMap { $0.files.filter { $0.path == p } }
        }
        var entries = registered(rel)
        if entries.isEmpty, rel.hasPrefix(dataset + "/") {
            rel = String(rel.dropFirst(dataset.count + 1))
            entries = registered(rel)
        }
        guard !entries.isEmpty else { throw StoreError.unknownFile(dataset: dataset, path: path) }
        let url = self.url(dataset: dataset, path: rel)
        defer { verifier.saveCache() }
        var reasons: [String] = []
        for e in entries {
            switch verifier.check(url, against: e) {
            case .verified: return url
            case .missing:
                throw StoreError.missing(dataset: dataset, path: url.path, remedy: remedy(for: d))
            case let .corrupt(r): reasons.append(r)
            }
        }
        throw StoreError.corrupt(dataset: dataset, path: url.path, reason: reasons.joined(separator: "; "),
                                 remedy: remedy(for: d))
    }

    /// Which variant of `dataset` is on disk (say this in every run's log: e.g. hellaswag is the
    /// content-exact local reconstruction here, not upstream's bytes). Throws when the set does not verify.
    public func usedVariant(dataset: String) throws -> Registry.Variant {
        let s = try status(dataset: dataset)
        if let v = s.variant { return v }
        if let p = s.problems.first {
            if p.problem == "missing" {
                throw StoreError.missing(dataset: dataset, path: root.appendingPathComponent(p.path).path, remedy: s.remedy)
            }
            throw StoreError.corrupt(dataset: dataset, path: root.appendingPathComponent(p.path).path,
                                     reason: p.problem, remedy: s.remedy)
        }
        throw StoreError.missing(dataset: dataset, path: root.appendingPathComponent(dataset).path, remedy: s.remedy)
    }

    public func status(dataset name: String) throws -> DatasetStatus {
        let d = try registry.dataset(name)
        defer { verifier.saveCache() }
        struct Eval { var v: Registry.Variant; var states: [(Registry.File, FileState)] }
        var evals: [Eval] = []
        for v in d.variants {
            let states = v.files.map { ($0, verifier.check(url(dataset: name, path: $0.path), against: $0)) }
            let ok = states.allSatisfy { f, s in s == .verified || (!f.isRequired && s == .missing) }
            if ok {
                let n = states.filter { $0.1 == .verified }.count
                return DatasetStatus(dataset: d, state: .verified(variant: v.id), problems: [],
                                     verifiedFiles: n, totalFiles: v.files.count, remedy: remedy(for: d))
            }
            evals.append(Eval(v: v, states: states))
        }
        let anyPresent = evals.contains { $0.states.contains { $0.1 != .missing } }
        // Report against the variant closest to verifying (ties: the one `data fetch` gets).
        let fetchID = d.fetchVariant.id
        let best = evals.max { a, b in
            let na = a.states.filter { $0.1 == .verified }.count, nb = b.states.filter { $0.1 == .verified }.count
            if na != nb { return na < nb }
            return a.v.id != fetchID && b.v.id == fetchID
        }!
        var problems: [(String, String)] = []
        for (f, s) in best.states {
            switch s {
            case .verified: break
            case .missing: if f.isRequired { problems.append(("\(name)/\(f.path)", "missing")) }
            case let .corrupt(r): problems.append(("\(name)/\(f.path)", r))
            }
        }
        return DatasetStatus(dataset: d, state: anyPresent ? .incomplete : .missing, problems: problems,
                             verifiedFiles: best.states.filter { $0.1 == .verified }.count,
                             totalFiles: best.v.files.count, remedy: remedy(for: d))
    }

    public func statusAll() throws -> [DatasetStatus] {
        try registry.datasets.map { try status(dataset: $0.name) }
    }
}
