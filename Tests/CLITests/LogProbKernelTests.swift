import XCTest
@testable import Evaluation
@testable import Models
@testable import SFTGOCLI
import Tensors

/// Issue 17: one log-softmax. The evaluator's scorer, `sftgo logprobs` and the training loss read
/// the same logits rows (the training forward's own, on the tiny GQA Llama) and must give the same
/// per-token log-probabilities bit for bit, with the greedy flag as torch.argmax (lowest id on ties).
final class LogProbKernelTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func testScorerLogprobsCommandAndLossAgreeBitForBit() throws {
        let model = try Llama(directory: fixtures.appendingPathComponent("models/tiny-gqa-tied"))
        let v = model.config.vocabSize, n = 23
        let tokens = (0..<n).map { ($0 * 37 + 5) % v }
        let targets = (0..<n).map { t in t + 1 < n ? tokens[t + 1] : 3 % v }
        let ws = LlamaWorkspace(model: model, rows: LlamaWorkspace.rows(lengths: [n], model: model))
        let stats = try model.trainingForward([TrainingSequence(tokens: tokens, targets: targets)], workspace: ws)
        let A = ws.activations
        let loss = try XCTUnwrap(A.batch).loss
        XCTAssertEqual(loss.count, n)
        // The loss's logits rows, in loss order: row i predicts targets[i] = input[i + 1].
        var rows: [Float] = []
        for l in loss { rows += Array(UnsafeBufferPointer(start: A.logits + l.slot * v, count: v)) }
        let input = [tokens[0]] + targets

        let command = LogprobsCommand.tokenLogprobs(logits: rows, vocab: v, input: input)
        var anyGreedy = false
        rows.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let row = UnsafeBufferPointer(rebasing: p[(i * v)..<((i + 1) * v)])
                let s = scoreRow(row, target: targets[i])
                let lossLP = -stats.losses[i]
                XCTAssertEqual(s.logprob.bitPattern, lossLP.bitPattern, "scorer vs loss at \(i)")
                XCTAssertEqual(Float(command[i]).bitPattern, lossLP.bitPattern, "logprobs vs loss at \(i)")
                XCTAssertEqual(command[i], Double(s.logprob), "logprobs vs scorer at \(i)")
                // Not a tautology with the kernel: a float64 log-softmax agrees to float rounding.
                let m = row.map(Double.init).max()!
                let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
                XCTAssertEqual(Double(s.logprob), Double(row[targets[i]]) - lse, accuracy: 1e-5)
                let argmax = row.indices.first { row[$0] == row.max()! }!
                XCTAssertEqual(s.isArgmax, argmax == targets[i], "greedy at \(i)")
                anyGreedy = anyGreedy || s.isArgmax
            }
            // The scorer's continuation sum is the float32 sum of the loss's per-token values.
            let (total, _) = scoreContinuation(rows: p, vocab: v, targets: targets)
            XCTAssertEqual(total, Double(stats.losses.reduce(Float(0)) { $0 - $1 }))
        }
        // Make one row's target its argmax so the greedy branch is exercised on real logits too.
        if !anyGreedy {
            let row = Array(rows[0..<v])
            let best = row.indices.first { row[$0] == row.max()! }!
            XCTAssertTrue(row.withUnsafeBufferPointer { scoreRow($0, target: best) }.isArgmax)
        }
    }

    func testArgmaxTiesGoToTheLowestId() {
        let row: [Float] = [-1, 4, 2, 4, -.infinity, 4]
        let flags = (0..<row.count).map { t in row.withUnsafeBufferPointer { CrossEntropy.logProb($0.baseAddress!, row.count, target: t).isArgmax } }
        XCTAssertEqual(flags, [false, true, false, false, false, false])
        let last: [Float] = [0, 1, 7]
        XCTAssertTrue(last.withUnsafeBufferPointer { CrossEntropy.isArgmax($0.baseAddress!, 3, target: 2) })
    }
}
