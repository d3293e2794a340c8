import XCTest
import Models
@testable import Training

/// The Llama adapter under the trainer, on the tiny fixture Llama (GQA, tied head).
final class LlamaTrainableModelTests: XCTestCase {
    let tinyDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tiny-gqa-tied")

    func config(budget: Int) -> TrainerConfig {
        var c = TrainerConfig()
        c.batchSize = 6; c.tokenBudget = budget; c.epochs = 2; c.learningRate = 3e-3; c.weightDecay = 0.01
        c.warmupRatio = 0.25; c.seed = 3
        return c
    }

    /// "1 micro-batch of B = k micro-batches of B/k" on the Float32 Llama: losses to 1e-6 relative, the
    /// accumulated GO gradient to 1e-5 relative in L2 norm (only the float summation order of the
    /// per-sequence contributions differs; measured 1.04e-6). The 1e-6 proof in Double is TrainerTests'.
    func testOneMicroBatchEqualsManyOnTinyLlama() throws {
        let data = toyDataset(count: 12, vocab: 384, seed: 6, minLength: 6, maxLength: 20)
        func gradient(_ budget: Int) throws -> ([Float], StepRecord) {
            let m = try LlamaTrainableModel(directory: tinyDir)
            var c = config(budget: budget)
            c.batchSize = 12; c.maxGradNorm = nil
            let t = try Trainer(model: m, dataset: data, config: c, objective: GOWeights(schedule: .constant(0.9)),
                                masks: .random(fraction: 0.4, seed: 1), outputDirectory: nil)
            let r = try t.step(0)
            return (m.withGradients { Array($0) }, r)
        }
        let (one, r1) = try gradient(10_000)
        let (many, rk) = try gradient(24)
        XCTAssertEqual(r1.microBatches, 1)
        XCTAssertGreaterThanOrEqual(rk.microBatches, 6)
        XCTAssertEqual(r1.loss, rk.loss, accuracy: 1e-6 * abs(r1.loss))
        XCTAssertEqual(r1.log["ce_imp"]!, rk.log["ce_imp"]!, accuracy: 1e-6)
        var diff = 0.0, norm = 0.0
        for (a, b) in zip(one, many) { diff += Double(a - b) * Double(a - b); norm += Double(a) * Double(a) }
        XCTAssertGreaterThan(norm, 0)
        XCTAssertLessThan((diff / norm).squareRoot(), 1e-5)
    }

    /// run.json records the numerics the bits depend on (issue 16): kernel, row quantum, threads.
    func testRunJSONRecordsTheNumerics() throws {
        let dir = tempDirectory("llamaNumerics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try LlamaTrainableModel(directory: tinyDir)
        let t = try Trainer(model: m, dataset: toyDataset(count: 2, vocab: 384, seed: 1, minLength: 6, maxLength: 8),
                            config: config(budget: 100), objective: SFTWeights(), masks: .none, outputDirectory: dir)
        try t.writeRunJSON(extra: [:])
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as! [String: Any]
        let n = try XCTUnwrap(run["numerics"] as? [String: String])
        XCTAssertEqual(n["openblas_core"], Llama.calibration(config: m.llama.config).coreName)
        XCTAssertEqual(n["gemm_row_quantum"], String(m.llama.rowQuantum))
        XCTAssertNotNil(n["threads"])
    }

    func testOverfitsAFewExamples() throws {
        let data = toyDataset(count: 3, vocab: 384, seed: 2, minLength: 8, maxLength: 12)
        var c = TrainerConfig()
        c.batchSize = 3; c.maxSteps = 80; c.learningRate = 1e-2; c.tokenBudget = 1000
        let m = try LlamaTrainableModel(directory: tinyDir)
        let r = try Trainer(model: m, dataset: data, config: c, objective: SFTWeights(), masks: .none, outputDirectory: nil).run()
        XCTAssertGreaterThan(r[0].loss, 3)
        XCTAssertLessThan(r.last!.loss, 0.05)
    }

    func testResumeAndSaveRoundTrip() throws {
        let data = toyDataset(count: 10, vocab: 384, seed: 4, minLength: 6, maxLength: 16)
        let dA = tempDirectory("llamaA"), dB = tempDirectory("llamaB")
        defer { try? FileManager.default.removeItem(at: dA); try? FileManager.default.removeItem(at: dB) }
        func trainer(_ dir: URL) throws -> (Trainer, LlamaTrainableModel) {
            let m = try LlamaTrainableModel(directory: tinyDir)
            return (try Trainer(model: m, dataset: data, config: config(budget: 30), objective: GOWeights(schedule: .linearDecay(max: 0.9, min: 0.2)),
                                masks: .random(fraction: 0.5, seed: 9), outputDirectory: dir), m)
        }
        let (a, ma) = try trainer(dA)
        try a.run()
        let (b1, _) = try trainer(dB)
        try b1.run(stopAfter: 2)
        let (b2, mb) = try trainer(dB)
        XCTAssertEqual(try b2.resume(), 2)
        try b2.run()
        let pa = ma.withParameters { Array($0) }
        XCTAssertEqual(pa.map { $0.bitPattern }, mb.withParameters { Array($0) }.map { $0.bitPattern })
        // The Hugging Face folder reloads to the same parameters.
        try ma.save(to: dA)
        let back = try LlamaTrainableModel(directory: dA)
        XCTAssertEqual(back.withParameters { Array($0) }.map { $0.bitPattern }, pa.map { $0.bitPattern })
    }
}
