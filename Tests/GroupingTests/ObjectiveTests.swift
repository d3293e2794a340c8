import XCTest
import Foundation
import Models
import Tensors
import Training
@testable import Grouping

/// Each objective against a direct computation: the reported loss from its formula, the weights as
/// the derivative of that loss with respect to each token's CE (detached quantities held fixed), and
/// on a tiny Llama the gradient Σ w_i ∇CE_i against finite differences through the model.
final class ObjectiveTests: XCTestCase {
    func view(_ n: Int, seed: UInt64, examples: [Int]) -> TokenBatchView {
        let r = Philox4x32(seed: seed)
        let losses = (0..<n).map { 0.1 + 5 * r.uniform(UInt64($0)) }
        let ent = (0..<n).map { r.uniform(UInt64(1000 + $0)) }
        var ex: [Int] = [], tok: [Int] = []
        for i in 0..<n { ex.append(examples[i % examples.count]); tok.append(i / examples.count) }
        return TokenBatchView(losses: losses, probs: losses.map { exp(-$0) }, entropies: ent,
                              important: (0..<n).map { r.uniform(UInt64(2000 + $0)) < 0.3 }, exampleIndex: ex,
                              tokenIndex: tok, targetIds: Array(repeating: 0, count: n), step: 0, totalSteps: 1)
    }

    /// dL/dCE_i by central differences of the reported loss (the objective's detached quantities —
    /// probs, entropies, masks — stay as given).
    func fdWeights(_ f: TokenWeightFunction, _ v: TokenBatchView, eps: Float = 1e-2) -> [Double] {
        (0..<v.count).map { i in
            var a = v, b = v
            a.losses[i] += eps; b.losses[i] -= eps
            return (f.weights(a).loss - f.weights(b).loss) / Double(a.losses[i] - b.losses[i])
        }
    }

    func assertWeightsAreDerivatives(_ f: TokenWeightFunction, _ v: TokenBatchView, file: StaticString = #filePath, line: UInt = #line) {
        let w = f.weights(v).weights
        for (a, b) in zip(w, fdWeights(f, v)) { XCTAssertEqual(Double(a), b, accuracy: 1e-4, "\(f.name)", file: file, line: line) }
    }

    func testDFT() {
        let v = view(40, seed: 1, examples: [0])
        let w = DFTWeights().weights(v)
        let direct = zip(v.probs, v.losses).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / 40
        XCTAssertEqual(w.loss, direct, accuracy: 1e-12)
        for i in 0..<40 { XCTAssertEqual(w.weights[i], v.probs[i] / 40, accuracy: 1e-9) }
        assertWeightsAreDerivatives(DFTWeights(), v)
    }

    func testEAFT() {
        let v = view(40, seed: 2, examples: [0])
        for alpha in [1.0, 0.5, 2.0] {
            let f = EAFTWeights(alpha: alpha)
            let w = f.weights(v)
            let direct = zip(v.entropies!, v.losses).reduce(0.0) { $0 + pow(Double($1.0), alpha) * Double($1.1) } / 40
            XCTAssertEqual(w.loss, direct, accuracy: 1e-9)
            assertWeightsAreDerivatives(f, v)
        }
        // LLaMA-Factory's divisor 3.0 instead of ln 20: h·ln20/3.
        let lf = EAFTWeights(alpha: 1, divisor: .llamaFactory).weights(v)
        XCTAssertEqual(Double(lf.weights[3]), Double(v.entropies![3]) * log(20.0) / 3 / 40, accuracy: 1e-8)
        XCTAssertTrue(EAFTWeights().needsEntropy)
    }

    func testTokenCleaningTrainsTheKeptTokens() {
        let v = view(40, seed: 3, examples: [0])
        let w = TokenCleaningWeights().weights(v)
        let kept = zip(v.losses, v.important).filter { $1 }.map { Double($0.0) }
        XCTAssertEqual(w.loss, kept.reduce(0, +) / Double(kept.count), accuracy: 1e-12)
        assertWeightsAreDerivatives(TokenCleaningWeights(), v)
        // Scores: CE(base) − CE(reference), global top-k% with η = 1 − k.
        let ex = [GroupingExample(index: 0, tokens: [1, 2, 3], lossPositions: [1, 2]),
                  GroupingExample(index: 1, tokens: [1, 4], lossPositions: [1])]
        let base = ReferenceLosses(modelHash: "b", examples: ex, losses: [[3, 1], [2]])
        let ref = ReferenceLosses(modelHash: "r", examples: ex, losses: [[1, 1], [1.5]])
        let s = try! TokenCleaningGrouping(base: base, reference: ref).checkedScores(ex)
        XCTAssertEqual(s, [[2, 0], [0.5]])
        XCTAssertEqual(try Selector.important(s, eta: Objectives.eta(ratio: 0.6), scope: .batch), [[true, false], [true]])
    }

    func testRho1AndGORho1() throws {
        let v = view(60, seed: 4, examples: [0, 1, 2])
        // Reference losses: a fixed pseudo-random table per example.
        let r = Philox4x32(seed: 9)
        let ex = (0..<3).map { GroupingExample(index: $0, tokens: [0] + Array(repeating: 5, count: 20), lossPositions: Array(1...20)) }
        let table = (0..<3).map { e in (0..<20).map { 0.5 + 3 * r.uniform(UInt64(e * 100 + $0)) } }
        let ref = ReferenceLosses(modelHash: "phi", examples: ex, losses: table)
        let dataset = SFTDataset(examples: ex.map { TokenizedExample(index: $0.index, location: DataLocation(file: "t", row: $0.index),
                                                                    ids: $0.tokens, lossMask: [false] + Array(repeating: true, count: 20)) },
                                 maxLength: 100)
        let rho = try Rho1Weights(reference: ref, dataset: dataset, eta: 0.55)
        let e = (0..<60).map { Double(v.losses[$0]) - Double(table[v.exampleIndex[$0]][v.tokenIndex[$0]]) }
        let t = Selector.percentile(e, 55)
        let sel = e.map { $0 >= t }
        XCTAssertEqual(sel.filter { $0 }.count, 27, "top 45% of 60 tokens")
        let w = rho.weights(v)
        let direct = zip(v.losses, sel).filter { $1 }.reduce(0.0) { $0 + Double($1.0) } / 27
        XCTAssertEqual(w.loss, direct, accuracy: 1e-9)
        XCTAssertEqual(w.weights.map { $0 > 0 }, sel)
        // dL/dCE_i with the mask held (small steps do not move a token across the threshold here).
        for i in 0..<60 where abs(e[i] - t) > 0.05 {
            var a = v, b = v
            a.losses[i] += 1e-3; b.losses[i] -= 1e-3
            XCTAssertEqual((rho.weights(a).loss - rho.weights(b).loss) / Double(a.losses[i] - b.losses[i]), Double(w.weights[i]), accuracy: 1e-3)
        }
        // go-rho1 = the trainer's GO loss at λ = 1 on the same mask.
        let go = try Rho1Weights(reference: ref, dataset: dataset, eta: 0.55, variant: .goRho1)
        let g = GroupLoss(losses: v.losses, important: sel, lambda: 1)
        XCTAssertEqual(go.weights(v).loss, g.loss, accuracy: 1e-12)
        XCTAssertEqual(go.weights(v).weights, g.weights)
        XCTAssertEqual(go.name, "go-rho1")
        // A reference that misses an example is refused at construction.
        let partial = ReferenceLosses(modelHash: "phi", examples: Array(ex.prefix(2)), losses: Array(table.prefix(2)))
        XCTAssertThrowsError(try Rho1Weights(reference: partial, dataset: dataset, eta: 0.55))
    }

    /// On a tiny Llama: probs and entropies from the engine equal a direct computation from the
    /// inference logits, and each objective's gradient Σ w_i ∇CE_i (engine backward) matches central
    /// differences of Σ w_i CE_i(θ) along a random direction.
    func testObjectivesOnTinyLlama() throws {
        let dir = groupingFixtures.appendingPathComponent("models/tiny-gqa-tied")
        let model = try Llama(directory: dir)
        let seqs = [[5, 17, 200, 31, 9, 44, 300, 2], [7, 7, 120, 64, 11]]
        let batch = seqs.map { s in TrainingSequence(tokens: Array(s.dropLast()), targets: s.dropFirst().enumerated().map { $0.offset >= 2 ? $0.element : -1 }) }
        let ws = LlamaWorkspace(model: model, rows: LlamaWorkspace.rows(lengths: batch.map { $0.tokens.count }))
        let stats = try model.trainingForward(batch, workspace: ws, entropyTopK: 20)
        // Direct: log-softmax and top-20 entropy / ln 20 from inference logits, in Double.
        var directLoss: [Double] = [], directEnt: [Double] = []
        let v = model.config.vocabSize
        for b in batch {
            let logits = model.forward(b.tokens, cache: model.makeCache(capacity: b.tokens.count), logitsFor: Array(0..<b.tokens.count))
            for (p, t) in b.targets.enumerated() where t >= 0 {
                let row = logits[(p * v)..<((p + 1) * v)].map(Double.init)
                let m = row.max()!, lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
                directLoss.append(lse - row[t])
                let top = row.sorted(by: >).prefix(20).map { exp($0 - lse) }
                let z = top.reduce(0, +)
                directEnt.append(-top.reduce(0) { $0 + ($1 / z) * log($1 / z) } / log(20))
            }
        }
        for i in 0..<directLoss.count {
            XCTAssertEqual(Double(stats.losses[i]), directLoss[i], accuracy: 1e-4)
            XCTAssertEqual(Double(stats.probs[i]), exp(-directLoss[i]), accuracy: 1e-5)
            XCTAssertEqual(Double(stats.entropies![i]), directEnt[i], accuracy: 1e-4)
        }
        let n = stats.losses.count
        let view = TokenBatchView(losses: stats.losses, probs: stats.probs, entropies: stats.entropies,
                                  important: (0..<n).map { $0 % 3 == 0 }, exampleIndex: (0..<n).map { $0 < 5 ? 0 : 1 },
                                  tokenIndex: (0..<n).map { $0 < 5 ? $0 : $0 - 5 }, targetIds: [], step: 0, totalSteps: 1)
        let d = Philox4x32(seed: 5)
        let dir0 = (0..<model.parameters.count).map { d.normal(UInt64($0)) }
        for f in [DFTWeights(), EAFTWeights(alpha: 1.5), TokenCleaningWeights()] as [TokenWeightFunction] {
            let w = f.weights(view).weights
            _ = try model.trainingForward(batch, workspace: ws, entropyTopK: 20)
            let g = LlamaGradients(model: model)
            try model.trainingBackward(weights: w, workspace: ws, into: g)
            var analytic = 0.0
            for k in 0..<model.parameters.count { analytic += Double(g.base[k]) * Double(dir0[k]) }
            func objective(_ h: Float) throws -> Double {
                for k in 0..<model.parameters.count { model.parameters.base[k] += h * dir0[k] }
                defer { for k in 0..<model.parameters.count { model.parameters.base[k] -= h * dir0[k] } }
                let s = try model.trainingForward(batch, workspace: ws, entropyTopK: nil)
                return zip(w, s.losses).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            let h: Float = 2e-3
            let fd = (try objective(h) - objective(-h)) / Double(2 * h)
            XCTAssertEqual(analytic, fd, accuracy: 0.02 * max(abs(fd), 1e-3), "\(f.name)")
        }
    }
}
