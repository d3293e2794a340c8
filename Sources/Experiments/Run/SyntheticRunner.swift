import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small deterministic generator (SplitMix64), seeded from stable string hashes: the same cell
/// always gives the same synthetic numbers, and bootstrap resampling is reproducible.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Uniform integer in 0..<n.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// FNV-1a of the UTF-8 bytes (Swift's Hasher is randomised per process).
    public static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}

/// Fake cells for tests and for exercising the driver before the trainer lands. Its numbers are
/// invented (every results JSON says so); its mechanics are real: step-wise training with an
/// atomic resume point, step logs, per-item samples whose means are the reported scores.
///
/// Environment knobs (read by the CLI's hidden `--runner synthetic`):
/// `SFTGO_SYNTHETIC_STEP_SECONDS` (sleep per training step), `SFTGO_SYNTHETIC_LEDGER` (a file
/// each step and finish is appended to, so tests can count work), `SFTGO_SYNTHETIC_FAIL` (cells
/// whose id contains this string fail in training).
public final class SyntheticRunner: CellRunner {
    public let name = "synthetic"
    public var stepSeconds: Double
    public var ledger: URL?
    public var failPattern: String?
    public var items: Int

    public init(stepSeconds: Double = 0, ledger: URL? = nil, failPattern: String? = nil, items: Int = 60) {
        self.stepSeconds = stepSeconds
        self.ledger = ledger
        self.failPattern = failPattern
        self.items = items
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> SyntheticRunner {
        SyntheticRunner(stepSeconds: env["SFTGO_SYNTHETIC_STEP_SECONDS"].flatMap(Double.init) ?? 0,
                        ledger: env["SFTGO_SYNTHETIC_LEDGER"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) },
                        failPattern: env["SFTGO_SYNTHETIC_FAIL"].flatMap { $0.isEmpty ? nil : $0 })
    }

    func note(_ s: String) { if let ledger { try? AtomicFile.appendLine(s, to: ledger) } }

    public func unavailability(of cell: Cell) -> Unavailability? { nil }

    func steps(_ cell: Cell) -> Int { cell.plannedSteps ?? 8 }

    public func train(_ cell: Cell, work: URL, reference: URL?, log: URL,
                      progress: @escaping (CellProgress) -> Void) throws -> TrainOutcome {
        if cell.method.reference != nil, reference == nil {
            throw SpecError(file: "-", field: cell.id, message: "reference checkpoint missing")
        }
        let state = work.appendingPathComponent("state.json")
        var step = 0
        if let s = try? JSONValue.load(state), let k = s["step"]?.intValue { step = k }
        let total = steps(cell)
        note("train-begin \(cell.id) \(step)")
        var rng = SplitMix64(seed: SplitMix64.hash(cell.id))
        let gap = cell.method.objective == .sft ? 0.0 : 0.15 + 0.1 * rng.uniform()
        while step < total {
            if let f = failPattern, cell.id.contains(f) {
                throw SpecError(file: "-", field: cell.id, message: "synthetic failure injected at step \(step)")
            }
            if stepSeconds > 0 { usleep(useconds_t(stepSeconds * 1e6)) }
            step += 1
            let t = Double(step) / Double(total)
            let all = 1.2 + exp(-3 * t) + 0.02 * rng.uniform()
            let line = JSONObject([("step", .int(step)), ("ce_all", .double(all)),
                                   ("ce_imp", .double(all + gap * (1 - t) + 0.05)),
                                   ("ce_unimp", .double(all - 0.05 - 0.5 * gap * t)),
                                   ("lambda", .double(cell.lambda.map { max($0.max * (1 - t), $0.min) } ?? 0))])
            try AtomicFile.appendLine(JSONValue.object(line).serialized(), to: work.appendingPathComponent("steps.jsonl"))
            try AtomicFile.write(JSONValue.object(JSONObject([("step", .int(step))])).serialized(), to: state)
            note("step \(cell.id) \(step)")
            progress(CellProgress(phase: .train, done: step, total: total))
        }
        let ckpt = work.appendingPathComponent("checkpoint")
        try FileManager.default.createDirectory(at: ckpt, withIntermediateDirectories: true)
        try AtomicFile.write("{\"synthetic\": true}\n", to: ckpt.appendingPathComponent("config.json"))
        note("train-end \(cell.id)")
        return TrainOutcome(checkpoint: ckpt, provenance: JSONObject([
            ("synthetic", .bool(true)), ("steps", .int(total))]))
    }

    /// A fixed "true" score per column and a fixed per-method effect, plus per-seed noise; items
    /// have a shared difficulty so two methods' items are paired as real benchmark items are.
    static let base: [String: Double] = ["mmlu": 0.30, "mmlu@5shot": 0.31, "mathqa": 0.22, "arc_challenge": 0.25,
                                         "openbookqa": 0.20, "hellaswag": 0.35, "truthfulqa_gen": 0.30,
                                         "truthfulqa_mc1": 0.24, "truthfulqa_mc2": 0.40, "ifeval": 0.20]

    func effect(_ cell: Cell) -> Double {
        if cell.method.objective == .sft { return 0 }
        var r = SplitMix64(seed: SplitMix64.hash("effect/" + cell.method.id))
        return 0.04 * r.uniform() - 0.01
    }

    public func evaluate(_ cell: Cell, checkpoint: URL, samples: URL, log: URL,
                         progress: @escaping (CellProgress) -> Void) throws -> EvalOutcome {
        var results = JSONObject()
        let labels = Columns.taskLabels
        // The profile's --limit when it is a count, else the runner's default.
        let items = cell.evaluation["limit"]?.intValue ?? self.items
        for (k, task) in labels.enumerated() {
            let metrics = Set(Columns.main.flatMap(\.components).filter { $0.task == task }.map(\.metric)).sorted()
            var noise = SplitMix64(seed: SplitMix64.hash("seed/\(cell.seed)/\(cell.model.id)/\(task)"))
            let p = (Self.base[task] ?? 0.3) + effect(cell) + 0.03 * (noise.uniform() - 0.5)
            var flip = SplitMix64(seed: SplitMix64.hash("flip/\(cell.id)/\(task)"))
            var sums = [Double](repeating: 0, count: metrics.count)
            var lines: [String] = []
            for i in 0..<items {
                var item = SplitMix64(seed: SplitMix64.hash("item/\(task)/\(i)"))
                var o = JSONObject([("doc_id", .int(i))])
                for (j, m) in metrics.enumerated() {
                    var hit = item.uniform() < p
                    if flip.uniform() < 0.05 { hit.toggle() }
                    sums[j] += hit ? 1 : 0
                    o[String(m.split(separator: ",")[0])] = .double(hit ? 1 : 0)
                }
                lines.append(JSONValue.object(o).serialized())
            }
            try AtomicFile.write(lines.joined(separator: "\n") + "\n",
                                 to: samples.appendingPathComponent("samples_\(task).jsonl"))
            var r = JSONObject([("alias", .string(task))])
            for (j, m) in metrics.enumerated() { r[m] = .double(sums[j] / Double(items)) }
            results[task] = .object(r)
            progress(CellProgress(phase: .evaluate, done: k + 1, total: labels.count))
        }
        note("eval-end \(cell.id)")
        let top = JSONObject([("results", .object(results)),
                              ("provenance", .object(JSONObject([
                                  ("harness", .string("synthetic: invented numbers for tests, not a measurement")),
                                  ("n_items", .int(items))])))])
        return EvalOutcome(results: .object(top), provenance: JSONObject([("synthetic", .bool(true))]))
    }

    public func estimate(_ cell: Cell) -> CellEstimate? {
        CellEstimate(trainSeconds: Double(steps(cell)) * stepSeconds, evalSeconds: 0,
                     basis: "synthetic runner: \(stepSeconds) s per step")
    }
}
