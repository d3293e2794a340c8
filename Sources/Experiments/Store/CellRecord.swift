import Checkpoints
import Foundation

/// A cell's state as the store knows it.
public enum CellStatus: String, Sendable, CaseIterable {
    case pending, running, trained, done, failed, unavailable
    /// `running` in run.json while no driver holds the store: killed; resumes on the next run.
    case interrupted
}

/// `run.json` of one cell: full config and its sha256, seed, git commit, the runner's provenance
/// (model and data checksums, trainer facts), status, times and the last error.
public struct CellRecord: Equatable, Sendable {
    public var cellID: String
    public var status: CellStatus
    public var config: JSONObject
    public var configSHA256: String
    public var seed: Int
    public var gitCommit: String
    public var runner: String
    public var provenance = JSONObject()
    public var attempts = 0
    public var startedAt: Date?
    public var trainedAt: Date?
    public var finishedAt: Date?
    public var trainSeconds: Double?
    public var evalSeconds: Double?
    public var error: String?
    public var unavailable: Unavailability?

    public init(cell: Cell, gitCommit: String, runner: String) {
        cellID = cell.id
        status = .pending
        config = cell.config
        configSHA256 = cell.configSHA256
        seed = cell.seed
        self.gitCommit = gitCommit
        self.runner = runner
    }

    static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    public var json: JSONValue {
        func date(_ d: Date?) -> JSONValue { d.map { .string(Self.iso.string(from: $0)) } ?? .null }
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        var o = JSONObject([("cell", .string(cellID)), ("status", .string(status.rawValue)),
                            ("seed", .int(seed)), ("config_sha256", .string(configSHA256)),
                            ("git_commit", .string(gitCommit)), ("runner", .string(runner)),
                            ("attempts", .int(attempts)),
                            ("started_at", date(startedAt)), ("trained_at", date(trainedAt)),
                            ("finished_at", date(finishedAt)),
                            ("train_seconds", num(trainSeconds)), ("eval_seconds", num(evalSeconds))])
        o["error"] = error.map { .string($0) } ?? .null
        o["unavailable"] = unavailable.map {
            .object(JSONObject([("reason", .string($0.reason)), ("fetch", $0.fetch.map { .string($0) } ?? .null)]))
        } ?? .null
        o["provenance"] = .object(provenance)
        o["config"] = .object(config)
        return .object(o)
    }

    public init(json v: JSONValue, file: String) throws {
        func bad(_ f: String) -> SpecError { SpecError(file: file, field: f, message: "missing or of the wrong type") }
        guard let id = v["cell"]?.stringValue else { throw bad("cell") }
        guard let s = v["status"]?.stringValue, let st = CellStatus(rawValue: s) else { throw bad("status") }
        guard let cfg = v["config"]?.objectValue else { throw bad("config") }
        cellID = id
        status = st
        config = cfg
        configSHA256 = v["config_sha256"]?.stringValue ?? ""
        seed = v["seed"]?.intValue ?? 0
        gitCommit = v["git_commit"]?.stringValue ?? "unknown"
        runner = v["runner"]?.stringValue ?? "unknown"
        provenance = v["provenance"]?.objectValue ?? JSONObject()
        attempts = v["attempts"]?.intValue ?? 0
        func date(_ k: String) -> Date? { v[k]?.stringValue.flatMap { Self.iso.date(from: $0) } }
        startedAt = date("started_at")
        trainedAt = date("trained_at")
        finishedAt = date("finished_at")
        trainSeconds = v["train_seconds"]?.doubleValue
        evalSeconds = v["eval_seconds"]?.doubleValue
        error = v["error"]?.stringValue
        if let u = v["unavailable"]?.objectValue, let r = u["reason"]?.stringValue {
            unavailable = Unavailability(reason: r, fetch: u["fetch"]?.stringValue)
        }
    }
}
