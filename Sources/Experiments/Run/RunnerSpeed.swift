import Checkpoints
import Foundation

/// What the trainer runner measured on this machine, for `--dry-run` estimates: seconds per
/// optimiser step by (model, batch size, cutoff) and seconds per evaluation by (model, evaluation
/// options), the latest measurement winning. Kept beside the mask cache (`<data dir>/.sftgo/`) since
/// it describes this machine, not one sweep.
struct RunnerSpeed {
    let url: URL

    static func trainKey(_ cell: Cell, _ o: TrainOptions) -> String {
        "train|\(cell.model.path)|batch \(o.config.batchSize)|cutoff \(o.cutoff)"
    }
    static func evalKey(_ cell: Cell) -> String {
        "eval|\(cell.model.path)|" + JSONValue.object(cell.evaluation).serialized(compact: true)
    }

    func load() -> JSONObject { (try? JSONValue.load(url))?.objectValue ?? JSONObject() }

    /// Records `seconds` per unit (a step, or one whole evaluation) under `key`.
    func record(_ key: String, seconds: Double) {
        var all = load()
        all[key] = .object(JSONObject([("seconds", .double(seconds)), ("measured_at", .string(ISO8601DateFormatter().string(from: Date())))]))
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? AtomicFile.write(JSONValue.object(all).serialized(indent: 2) + "\n", to: url)
    }

    func seconds(_ key: String) -> (Double, String)? {
        guard let o = load()[key], let s = o["seconds"]?.doubleValue else { return nil }
        return (s, o["measured_at"]?.stringValue ?? "?")
    }
}

extension TrainerRunner {
    var speed: RunnerSpeed {
        RunnerSpeed(url: (maskCacheRoot?.deletingLastPathComponent() ?? locations.dataDirectory.appendingPathComponent(".sftgo"))
            .appendingPathComponent("runner-speed.json"))
    }

    /// Steps × the measured seconds per step of the same model, batch and cutoff, plus the measured
    /// time of an evaluation with the same options; nil until both were measured here.
    public func estimate(_ cell: Cell) -> CellEstimate? {
        guard let o = try? TrainOptions(cell), let steps = o.config.maxSteps,
              let (step, t1) = speed.seconds(RunnerSpeed.trainKey(cell, o)),
              let (eval, t2) = speed.seconds(RunnerSpeed.evalKey(cell)) else { return nil }
        // Frozen-loss passes (Rho-1's φ, Token Cleaning, self-information) are not counted.
        return CellEstimate(trainSeconds: Double(steps) * step, evalSeconds: eval,
                            basis: String(format: "measured here: %.1f s/step (%@), evaluation %.0f s (%@)", step, t1, eval, t2))
    }
}
