import Foundation

/// A resumable checkpoint: raw little-endian Float32 parameters and both AdamW moments, plus
/// `trainer_state.json` with the completed step count, the optimiser step, the config and the seed.
/// The data position and every random draw follow from (seed, step) — shuffles and random masks are
/// counter-based Philox streams — so restoring these files continues the run bit for bit.
public enum TrainingCheckpoint {
    static let stateFile = "trainer_state.json"

    struct State: Codable {
        var step: Int
        var optimizerStep: Int
        var parameterCount: Int
        var config: TrainerConfig
        var weightFunction: String
        var rng: String
    }

    public static func directory(_ root: URL, step: Int) -> URL { root.appendingPathComponent("checkpoint-\(step)") }

    /// The checkpoint with the most steps in `root`, if any.
    public static func latest(in root: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let steps = names.compactMap { n -> Int? in
            guard n.hasPrefix("checkpoint-"),
                  FileManager.default.fileExists(atPath: root.appendingPathComponent(n).appendingPathComponent(stateFile).path)
            else { return nil }
            return Int(n.dropFirst("checkpoint-".count))
        }
        return steps.max().map { directory(root, step: $0) }
    }

    /// Writes into a temporary folder and renames it, then removes older checkpoints: a crash never
    /// leaves a half-written checkpoint as the latest, and the last good one survives.
    static func save(root: URL, step: Int, model: TrainableModel, optimizer: AdamW, config: TrainerConfig,
                     weightFunction: String) throws {
        let fm = FileManager.default
        let final = directory(root, step: step)
        let tmp = root.appendingPathComponent(".checkpoint-\(step).tmp")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        try model.withParameters { try writeFloats(UnsafeBufferPointer($0), tmp.appendingPathComponent("parameters.f32")) }
        try optimizer.m.withUnsafeBufferPointer { try writeFloats($0, tmp.appendingPathComponent("adam_m.f32")) }
        try optimizer.v.withUnsafeBufferPointer { try writeFloats($0, tmp.appendingPathComponent("adam_v.f32")) }
        let state = State(step: step, optimizerStep: optimizer.step, parameterCount: model.parameterCount,
                          config: config, weightFunction: weightFunction,
                          rng: "philox4x32 counter-based streams from seed \(config.seed); no mutable state")
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(state).write(to: tmp.appendingPathComponent(stateFile))
        try? fm.removeItem(at: final)
        try fm.moveItem(at: tmp, to: final)
        for n in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where n.hasPrefix("checkpoint-") {
            if let s = Int(n.dropFirst("checkpoint-".count)), s < step { try? fm.removeItem(at: root.appendingPathComponent(n)) }
        }
    }

    /// Restores parameters and optimiser state; returns the number of completed steps.
    static func load(_ dir: URL, model: TrainableModel, optimizer: AdamW, config: TrainerConfig,
                     weightFunction: String) throws -> Int {
        let data: Data
        do { data = try Data(contentsOf: dir.appendingPathComponent(stateFile)) } catch {
            throw TrainingError.checkpoint("\(dir.path): no readable \(stateFile)")
        }
        guard let state = try? JSONDecoder().decode(State.self, from: data) else {
            throw TrainingError.checkpoint("\(dir.path)/\(stateFile) is not a trainer state")
        }
        guard state.parameterCount == model.parameterCount else {
            throw TrainingError.checkpoint("\(dir.path) holds \(state.parameterCount) parameters, the model has \(model.parameterCount)")
        }
        var a = state.config, b = config
        a.saveSteps = nil; b.saveSteps = nil
        guard a == b, state.weightFunction == weightFunction else {
            throw TrainingError.checkpoint("\(dir.path) was written with another configuration or objective; resume needs the same")
        }
        let p = try readFloats(dir.appendingPathComponent("parameters.f32"), count: model.parameterCount)
        let m = try readFloats(dir.appendingPathComponent("adam_m.f32"), count: model.parameterCount)
        let v = try readFloats(dir.appendingPathComponent("adam_v.f32"), count: model.parameterCount)
        model.withParameters { buf in p.withUnsafeBufferPointer { src in _ = buf.initialize(from: src) } }
        try optimizer.restore(step: state.optimizerStep, m: m, v: v)
        return state.step
    }

    static func writeFloats(_ buf: UnsafeBufferPointer<Float>, _ url: URL) throws {
        try Data(buffer: buf).write(to: url)
    }

    static func readFloats(_ url: URL, count: Int) throws -> [Float] {
        guard let d = try? Data(contentsOf: url) else { throw TrainingError.checkpoint("cannot read \(url.path)") }
        guard d.count == count * 4 else {
            throw TrainingError.checkpoint("\(url.path) has \(d.count) bytes, expected \(count * 4)")
        }
        var out = [Float](repeating: 0, count: count)
        _ = out.withUnsafeMutableBytes { dst in d.copyBytes(to: dst.bindMemory(to: UInt8.self)) }
        return out
    }
}
