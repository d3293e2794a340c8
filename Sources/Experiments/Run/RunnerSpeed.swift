import Checkpoints
import Foundation

/// What the trainer runner measured on this machine, for `--dry-run` estimates: seconds per
/// optimiser step by (model, batch size, cutoff) and seconds per evaluation by (model, evaluation
/// options), the latest measurement winning. Kept beside the mask cache (`<data dir>/.sftgo/`) since
/// it describes this machine, not one sweep.
struct RunnerSpeed {
    let url: URL

    static func trainKey(_ cell: Cell, _ o: TrainOptions) -> String { trainingKey("train", cell, o) }
    /// A cell's training time outside its steps (model load, tokenising, masks, checkpoint), so an
    /// estimate is not short by it: 2-step `quick` cells spend more here than in their steps.
    static func setupKey(_ cell: Cell, _ o: TrainOptions) -> String { trainingKey("setup", cell, o) }
    private static func trainingKey(_ kind: String, _ cell: Cell, _ o: TrainOptions) -> String {
        "\(kind)|\(cell.model.path)|batch \(o.config.batchSize)|cutoff \(o.cutoff)"
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
    /// set-up around them (when measured), plus the measured time of an evaluation with the same
    /// options; nil until steps and evaluation were measured here.
    public func estimate(_ cell: Cell) -> CellEstimate? {
        guard let o = try? TrainOptions(cell), let steps = o.config.maxSteps,
              let (step, t1) = speed.seconds(RunnerSpeed.trainKey(cell, o)),
              let (eval, t2) = speed.seconds(RunnerSpeed.evalKey(cell)) else { return nil }
        // Set-up is the latest cell's of this model, batch and cutoff, whatever its method (frozen-loss
        // passes for Rho-1's φ, Token Cleaning and self-information make some methods' longer).
        let setup = speed.seconds(RunnerSpeed.setupKey(cell, o))?.0 ?? 0
        return CellEstimate(trainSeconds: Double(steps) * step + setup, evalSeconds: eval,
                            basis: String(format: "measured here: %.1f s/step + %.0f s set-up (%@), evaluation %.0f s (%@)",
                                          step, setup, t1, eval, t2))
    }
}
