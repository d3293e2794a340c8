import Checkpoints
import Foundation

/// What a runner reports while it works; the executor turns it into the one progress line.
public struct CellProgress: Sendable {
    public enum Phase: String, Sendable { case train, evaluate }
    public var phase: Phase
    public var done: Int
    public var total: Int?
    public init(phase: Phase, done: Int, total: Int?) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}

public struct TrainOutcome {
    /// The trained model as a Hugging Face folder (inside the cell's work folder).
    public var checkpoint: URL
    /// Facts for run.json: model and data sha256, loss-token counts, steps, tokens, trainer version.
    public var provenance: JSONObject
    public init(checkpoint: URL, provenance: JSONObject) {
        self.checkpoint = checkpoint
        self.provenance = provenance
    }
}

public struct EvalOutcome {
    /// lm-eval-shaped results (`results.<task label>."<metric>,none"`), as `sftgo-bench` writes.
    public var results: JSONValue
    public var provenance: JSONObject
    public init(results: JSONValue, provenance: JSONObject) {
        self.results = results
        self.provenance = provenance
    }
}

/// Seconds a cell is expected to take, from measured throughput.
public struct CellEstimate: Sendable {
    public var trainSeconds: Double
    public var evalSeconds: Double
    public var basis: String
    public init(trainSeconds: Double, evalSeconds: Double, basis: String) {
        self.trainSeconds = trainSeconds
        self.evalSeconds = evalSeconds
        self.basis = basis
    }
}

/// The seam between the sweep driver and the work: train a cell into a checkpoint, evaluate a
/// checkpoint into lm-eval-shaped results. The driver owns ordering, the store, resume bookkeeping
/// and failures; a runner owns only the work inside the folders it is given.
///
/// Contract:
/// - `train` resumes: `work` holds whatever an earlier, killed call of the same cell left there
///   (its own checkpoints and data cursor); it continues from the last one rather than restarting.
///   It writes per-step logs as `work/steps.jsonl` (fields `step`, `ce_all`, `ce_imp`, `ce_unimp`,
///   `lambda`) for Figure 2.
/// - `reference` is the finished checkpoint of the cell's reference cell (Rho-1's φ), or nil.
/// - `evaluate` writes per-item logs `samples/samples_<label>.jsonl` (lm-eval `--log_samples`
///   fields `doc_id` and the per-item metric values) for the paired bootstrap.
/// - Errors are thrown, never swallowed; the driver records them in run.json and goes on.
public protocol CellRunner: AnyObject {
    /// Written into run.json and every caption (`synthetic` marks fake numbers).
    var name: String { get }
    /// Why this runner cannot run `cell` here (method not implemented, classifier absent), or nil.
    func unavailability(of cell: Cell) -> Unavailability?
    func train(_ cell: Cell, work: URL, reference: URL?, log: URL,
               progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome
    func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL,
                  progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome
    /// Expected time of `cell` from this runner's measured speed, or nil when unknown.
    func estimate(_ cell: Cell) -> CellEstimate?
}

/// Stands in where no runner can be made (the real one not wired in yet): plans show cells as
/// pending with unknown times (`marksCells` false) or as unavailable with the reason; any attempt to
/// run throws the reason.
public final class UnavailableRunner: CellRunner {
    public let name = "none"
    let reason: String
    let marksCells: Bool
    public init(reason: String, marksCells: Bool = true) {
        self.reason = reason
        self.marksCells = marksCells
    }
    public func unavailability(of cell: Cell) -> Unavailability? {
        marksCells ? Unavailability(reason: reason, fetch: nil) : nil
    }
    public func train(_ cell: Cell, work: URL, reference: URL?, log: URL,
                      progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome {
        throw SpecError(file: "-", field: "runner", message: reason)
    }
    public func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL,
                         progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome {
        throw SpecError(file: "-", field: "runner", message: reason)
    }
    public func estimate(_ cell: Cell) -> CellEstimate? { nil }
}
