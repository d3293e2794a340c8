import XCTest
import Foundation
import Checkpoints
@testable import Models
@testable import Tensors

/// A Double twin of a loaded model's training engine (same layout, parameters widened).
final class DoubleTwin {
    let model: Llama
    let params: UnsafeMutablePointer<Double>
    let grads: UnsafeMutablePointer<Double>
    let count: Int
    let acts: Activations<Double>
    var engine: TrainingEngine<Double> {
        TrainingEngine(config: model.config, layout: model.parameters.layout, parameters: params, quantum: model.rowQuantum)
    }

    init(_ model: Llama, rows: Int) {
        self.model = model
        count = model.parameters.count
        params = .allocate(capacity: count)
        grads = .allocate(capacity: count)
        for i in 0..<count { params[i] = Double(model.parameters.base[i]) }
        grads.initialize(repeating: 0, count: count)
        acts = Activations(config: model.config, invFreq: model.rope.invFreq, rows: rows)
    }
    deinit { params.deallocate(); grads.deallocate() }

    func loss(_ batch: [TrainingSequence], weights: [Double]) throws -> Double {
        let r = try engine.forward(batch, acts, entropyTopK: nil)
        return zip(r.losses, weights).reduce(0) { $0 + $1.0 * $1.1 }
    }

    func gradient(_ batch: [TrainingSequence], weights: [Double]) throws {
        grads.update(repeating: 0, count: count)
        _ = try engine.forward(batch, acts, entropyTopK: nil)
        try engine.backward(weights: weights, acts, into: grads)
    }
}

/// Deterministic small pseudo-random numbers for test inputs.
struct TestRNG {
    var state: UInt64
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 * 2 - 1 }
}

/// Two sequences of different lengths; prompt positions carry no loss (-1), the rest predict the
/// next token, the last position of the second predicts an arbitrary id.
func sampleBatch(vocab: Int, lengths: [Int], seed: UInt64) -> [TrainingSequence] {
    var rng = TestRNG(state: seed)
    return lengths.enumerated().map { s, n in
        let tokens = (0..<n).map { _ in rng.int(vocab) }
        var targets = (0..<n).map { t in t + 1 < n ? tokens[t + 1] : -1 }
        for t in 0..<min(2 + s, n) { targets[t] = -1 }
        if s == 1 { targets[n - 1] = rng.int(vocab) }
        return TrainingSequence(tokens: tokens, targets: targets)
    }
}

final class TrainingGradientTests: XCTestCase {
    /// Whole model + weighted per-token loss in Double: for every tensor, the directional derivative
    /// along a random direction within that tensor by central differences equals gradient·direction
    /// to relative error ≤ 1e-6 (unit direction, Richardson-extrapolated central differences at
    /// h = 1e-3 and 5e-4: truncation ~h⁴, rounding ~1e-16/h). Covers GQA + tied
    /// head (embedding gets both uses), MHA + untied, llama3 RoPE, a packed batch of two sequences.
    func testFiniteDifferencesInDouble() throws {
        for name in ["tiny-gqa-tied", "tiny-mha-untied", "tiny-llama3-rope"] {
            let model = try Llama(directory: fixtureModels.appendingPathComponent(name))
            let batch = sampleBatch(vocab: model.config.vocabSize, lengths: [13, 9], seed: 7)
            let twin = DoubleTwin(model, rows: 48)
            var rng = TestRNG(state: 11)
            let nLoss = batch.reduce(0) { $0 + $1.targets.filter { $0 >= 0 }.count }
            let weights = (0..<nLoss).map { _ in 0.05 + 0.1 * abs(rng.unit()) }   // detached GO-like weights
            try twin.gradient(batch, weights: weights)
            var worst = 0.0
            for e in model.parameters.layout.entries {
                var dir = (0..<e.count).map { _ in rng.unit() }
                let norm = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
                dir = dir.map { $0 / norm }   // unit step in parameter space
                var analytic = 0.0
                for i in 0..<e.count { analytic += twin.grads[e.offset + i] * dir[i] }
                func shifted(_ s: Double) throws -> Double {
                    for i in 0..<e.count { twin.params[e.offset + i] += s * dir[i] }
                    defer { for i in 0..<e.count { twin.params[e.offset + i] -= s * dir[i] } }
                    return try twin.loss(batch, weights: weights)
                }
                // Central differences at h and h/2 combined by Richardson extrapolation: O(h⁴).
                let h = 1e-3
                let d1 = (try shifted(h) - shifted(-h)) / (2 * h)
                let d2 = (try shifted(h / 2) - shifted(-h / 2)) / h
                let fd = (4 * d2 - d1) / 3
                let rel = abs(fd - analytic) / max(abs(fd), abs(analytic))
                worst = max(worst, rel)
                XCTAssertLessThan(rel, 1e-6, "\(name) \(e.name): finite difference \(fd) vs gradient \(analytic)")
                XCTAssertGreaterThan(abs(analytic), 1e-9, "\(name) \(e.name): gradient vanishes, the check would be empty")
            }
            print("\(name): worst relative error of directional derivatives \(worst)")
        }
    }

    /// The Float training forward computes the same per-token losses as the inference forward's
    /// logits (which are checked against transformers) within float rounding.
    func testTrainingLossesMatchInferenceLogits() throws {
        for name in ["tiny-gqa-tied", "tiny-llama3-rope"] {
            let model = try Llama(directory: fixtureModels.appendingPathComponent(name))
            let batch = sampleBatch(vocab: model.config.vocabSize, lengths: [13, 9], seed: 3)
            let ws = LlamaWorkspace(model: model, rows: LlamaWorkspace.rows(lengths: [13, 9], model: model))
            let stats = try model.trainingForward(batch, workspace: ws)
            var k = 0
            let V = model.config.vocabSize
            for s in batch {
                let rows = s.targets.indices.filter { s.targets[$0] >= 0 }
                let logits = model.forwardBatch([s.tokens], logitsFor: [rows])[0]
                for (j, t) in rows.enumerated() {
                    let row = Array(logits[(j * V)..<((j + 1) * V)]).map(Double.init)
                    let m = row.max()!
                    let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
                    let expected = lse - row[s.targets[t]]
                    XCTAssertEqual(Double(stats.losses[k]), expected, accuracy: 2e-5 * max(1, expected), "\(name) token \(k)")
                    XCTAssertEqual(Double(stats.probs[k]), Foundation.exp(-expected), accuracy: 2e-5)
                    k += 1
                }
            }
            XCTAssertEqual(k, stats.losses.count)
        }
    }

    /// A packed micro-batch gives bit-identical losses to each sequence alone (the row-quantum rule),
    /// and gradients equal to the sum of the alone gradients to float rounding (weight gradients sum
    /// over rows in a different grouping): max |Δ| ≤ 1e-5 · max |g|.
    func testPackedBatchEqualsEachSequenceAlone() throws {
        let model = try Llama(directory: fixtureModels.appendingPathComponent("tiny-gqa-tied"))
        let batch = sampleBatch(vocab: model.config.vocabSize, lengths: [13, 9, 30], seed: 5)
        let ws = LlamaWorkspace(model: model, rows: 12)   // too small on purpose: grows once
        let packed = LlamaGradients(model: model), alone = LlamaGradients(model: model)
        var rng = TestRNG(state: 2)
        let nLoss = batch.map { $0.targets.filter { $0 >= 0 }.count }
        let weights = (0..<nLoss.reduce(0, +)).map { _ in Float(0.01 + 0.05 * abs(rng.unit())) }
        let stats = try model.trainingForward(batch, workspace: ws)
        try model.trainingBackward(weights: weights, workspace: ws, into: packed)
        var k = 0
        var losses: [Float] = []
        for (s, seq) in batch.enumerated() {
            let st = try model.trainingForward([seq], workspace: ws)
            losses += st.losses
            try model.trainingBackward(weights: Array(weights[k..<(k + nLoss[s])]), workspace: ws, into: alone)
            k += nLoss[s]
        }
        XCTAssertEqual(bitMismatches(stats.losses, losses), 0, "packed losses differ from each sequence alone")
        let a = Array(UnsafeBufferPointer(start: packed.base, count: packed.count))
        let b = Array(UnsafeBufferPointer(start: alone.base, count: alone.count))
        let scale = b.map { abs($0) }.max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "max |Δgrad| \(worst), max |grad| \(scale)")
        print("packed vs alone: max |Δgrad| \(worst) of max |grad| \(scale)")
    }

    /// Positions restart per sequence and attention does not cross sequences: a sequence's losses
    /// do not change when another sequence is packed before it.
    func testAttentionDoesNotCrossSequences() throws {
        let model = try Llama(directory: fixtureModels.appendingPathComponent("tiny-llama3-rope"))
        let batch = sampleBatch(vocab: model.config.vocabSize, lengths: [20, 11], seed: 9)
        let ws = LlamaWorkspace(model: model, rows: 64)
        let both = try model.trainingForward(batch, workspace: ws).losses
        let second = try model.trainingForward([batch[1]], workspace: ws).losses
        // Semantics, not bits (the bit rule is testPackedBatchEqualsEachSequenceAlone): a leak across
        // sequences or a position that does not restart would move these losses far more than 1e-5.
        for (a, b) in zip(both.suffix(second.count), second) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        XCTAssertEqual(both.count, second.count + batch[0].targets.filter { $0 >= 0 }.count)
    }

    /// Backward accumulates (to rounding); thread count does not change a bit of losses or gradients; bad input is
    /// a typed error.
    func testAccumulationThreadsAndErrors() throws {
        let model = try Llama(directory: fixtureModels.appendingPathComponent("tiny-mha-untied"))
        let batch = sampleBatch(vocab: model.config.vocabSize, lengths: [25, 14], seed: 4)
        let ws = LlamaWorkspace(model: model, rows: 48)
        let n = batch.reduce(0) { $0 + $1.targets.filter { $0 >= 0 }.count }
        let w = [Float](repeating: 1 / Float(n), count: n)
        func grads(threads: Int, times: Int) throws -> ([Float], [Float]) {
            ThreadPool.configure(threads: threads)
            defer { ThreadPool.configure(threads: ThreadPool.defaultThreadCount()) }
            let g = LlamaGradients(model: model)
            var losses: [Float] = []
            for _ in 0..<times {
                losses = try model.trainingForward(batch, workspace: ws).losses
                try model.trainingBackward(weights: w, workspace: ws, into: g)
            }
            return (losses, Array(UnsafeBufferPointer(start: g.base, count: g.count)))
        }
        let (l1, g1) = try grads(threads: 1, times: 1)
        let (l2, g2) = try grads(threads: 2, times: 1)
        XCTAssertEqual(bitMismatches(l1, l2), 0)
        XCTAssertEqual(bitMismatches(g1, g2), 0)
        let (_, gTwice) = try grads(threads: 2, times: 2)
        // Accumulating (β = 1 in the weight products) rounds differently from doubling: 1e-6 relative.
        let scale = g2.map { abs($0) }.max()!
        XCTAssertLessThanOrEqual(zip(gTwice, g2).map { abs($0 - 2 * $1) }.max()!, 1e-6 * scale, "second backward adds the same gradient")

        _ = try model.trainingForward(batch, workspace: ws)
        XCTAssertThrowsError(try model.trainingBackward(weights: [1], workspace: ws, into: LlamaGradients(model: model))) {
            XCTAssertEqual($0 as? TrainingBatchError, .weightCount(expected: n, found: 1))
        }
        XCTAssertThrowsError(try model.trainingForward([TrainingSequence(tokens: [1, 2], targets: [2])], workspace: ws)) {
            XCTAssertEqual($0 as? TrainingBatchError, .badSequence(index: 0, reason: "2 tokens but 1 targets"))
        }
        XCTAssertThrowsError(try model.trainingForward([TrainingSequence(tokens: [1, 99999], targets: [2, -1])], workspace: ws))
        XCTAssertThrowsError(try model.trainingForward([], workspace: ws)) { XCTAssertEqual($0 as? TrainingBatchError, .empty) }
    }

    /// Top-k entropy: uniform logits over ≥ k tokens give 1, a one-hot-like row gives ~0.
    func testTopKEntropy() {
        let flat = [Float](repeating: 0.5, count: 50)
        let lse = flat.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress!, 50) }
        XCTAssertEqual(flat.withUnsafeBufferPointer { CrossEntropy.topKEntropy($0.baseAddress!, 50, lse: lse, k: 10) }, 1, accuracy: 1e-5)
        var peaked = [Float](repeating: 0, count: 50); peaked[3] = 40
        let lse2 = peaked.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress!, 50) }
        XCTAssertLessThan(peaked.withUnsafeBufferPointer { CrossEntropy.topKEntropy($0.baseAddress!, 50, lse: lse2, k: 10) }, 1e-5)
    }
}
