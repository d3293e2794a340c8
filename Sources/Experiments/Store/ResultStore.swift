import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result store of one experiment under one profile: `results/<experiment>/<profile>/`.
///
///     sweep.lock                 flock(2) held by the driver while it runs (released by any death)
///     events.jsonl               append-only: cell started / trained / done / failed, with times
///     cells/<cell-id>/run.json   CellRecord: config + sha256, seed, git commit, provenance, status
///     cells/<cell-id>/work/      the runner's folder: checkpoints, steps.jsonl, resume state
///     cells/<cell-id>/checkpoint the trained model (Hugging Face folder) the runner reported
///     cells/<cell-id>/results.json  lm-eval-shaped results of the evaluation
///     cells/<cell-id>/samples/   per-item logs, samples_<task label>.jsonl (lm-eval --log_samples)
///     cells/<cell-id>/train.log, eval.log
///
/// Every file is written whole (AtomicFile); a cell is done exactly when its run.json says so, and
/// run.json turns `done` only after results.json is in place.
public final class ResultStore {
    public let root: URL
    public init(root: URL) { self.root = root }

    public static func root(results: URL, experiment: String, profile: String) -> URL {
        results.appendingPathComponent(experiment).appendingPathComponent(profile)
    }

    public var cellsDirectory: URL { root.appendingPathComponent("cells") }
    public func directory(of id: String) -> URL { cellsDirectory.appendingPathComponent(id) }
    public func workDirectory(of id: String) -> URL { directory(of: id).appendingPathComponent("work") }
    public func resultsURL(of id: String) -> URL { directory(of: id).appendingPathComponent("results.json") }
    public func samplesDirectory(of id: String) -> URL { directory(of: id).appendingPathComponent("samples") }
    public var eventsURL: URL { root.appendingPathComponent("events.jsonl") }

    // MARK: records

    public func record(_ id: String) throws -> CellRecord? {
        let url = directory(of: id).appendingPathComponent("run.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try CellRecord(json: try JSONValue.load(url), file: url.path)
    }

    public func write(_ r: CellRecord) throws {
        try AtomicFile.write(r.json.serialized(indent: 2) + "\n",
                             to: directory(of: r.cellID).appendingPathComponent("run.json"))
    }

    public func writeResults(_ results: JSONValue, for id: String) throws {
        try AtomicFile.write(results.serialized(indent: 2) + "\n", to: resultsURL(of: id))
    }

    public func results(_ id: String) throws -> JSONValue? {
        let url = resultsURL(of: id)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONValue.load(url)
    }

    public func event(_ kind: String, cell: String, _ extra: JSONObject = JSONObject()) {
        var o = JSONObject([("time", .string(CellRecord.iso.string(from: Date()))), ("event", .string(kind)),
                            ("cell", .string(cell)), ("pid", .int(Int(getpid())))])
        for (k, v) in extra.pairs { o[k] = v }
        try? AtomicFile.appendLine(JSONValue.object(o).serialized(), to: eventsURL)
    }

    /// The status `sweep status` shows: run.json's, with `running` turned `interrupted` when no
    /// driver holds the store.
    public func status(of id: String) throws -> CellStatus {
        guard let r = try record(id) else { return .pending }
        if r.status == .running || r.status == .trained {
            return isLocked() || isLocked(cellLockURL(id)) ? .running : .interrupted
        }
        return r.status
    }

    // MARK: the driver lock

    /// An exclusive hold on the store for one driver process; released on close or death.
    public final class Lock {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        public func release() { close(fd) }
        deinit { close(fd) }
    }

    var lockURL: URL { root.appendingPathComponent("sweep.lock") }

    func cellLockURL(_ id: String) -> URL { directory(of: id).appendingPathComponent("cell.lock") }

    /// Takes the store, or says which process holds it.
    public func lock() throws -> Lock { try lock(lockURL, what: "another sweep") }

    /// Takes one cell (scheduler tasks run cells of one store in parallel, each holding its cell).
    public func lockCell(_ id: String) throws -> Lock { try lock(cellLockURL(id), what: "another process") }

    func lock(_ url: URL, what: String) throws -> Lock {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw SpecError(file: url.path, field: "-", message: "cannot open lock file") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw SpecError(file: url.path, field: "-", message: "\(what) (pid \(holder)) is running on this store")
        }
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return Lock(fd: fd)
    }

    /// Whether some process holds the driver lock right now.
    public func isLocked() -> Bool { isLocked(lockURL) }

    func isLocked(_ url: URL) -> Bool {
        let fd = open(url.path, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return true
    }
}
