import XCTest
import Foundation
import Models
@testable import Grouping

/// Self-information and Rho-1 on a tiny Llama, against a direct computation from transformers'
/// own logits (the fixture's golden.json) and from a separate forward path.
final class ModelGroupingTests: XCTestCase {
    struct Golden: Decodable { var prompts: [[Int]]; var logits: [[[Float]]] }

    let tinyDir = groupingFixtures.appendingPathComponent("models/tiny-gqa-tied")

    func load() throws -> (Llama, Golden, [GroupingExample]) {
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: tinyDir.appendingPathComponent("golden.json")))
        // Loss tokens: the second half of each prompt longer than one token (responses after prompts).
        let ex = g.prompts.enumerated().filter { $0.element.count > 1 }.map { i, p in
            GroupingExample(index: 10 + i, tokens: p, lossPositions: Array((p.count / 2)..<p.count).filter { $0 > 0 })
        }
        return (try Llama(directory: tinyDir), g, ex)
    }

    /// −ln p(token | prefix) in Double from one row of logits.
    func ce(_ row: [Float], _ target: Int) -> Double {
        let m = Double(row.max()!)
        let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
        return lse - Double(row[target])
    }

    func testSelfInformationMatchesTransformersLogits() throws {
        let (model, g, ex) = try load()
        let s = try SelfInformation(model: model, modelHash: "tiny").checkedScores(ex)
        for (e, row) in zip(ex, s) {
            let golden = g.logits[e.index - 10]
            for (k, p) in e.lossPositions.enumerated() {
                XCTAssertEqual(row[k], ce(golden[p - 1], e.tokens[p]), accuracy: 2e-4, "example \(e.index) token \(k)")
            }
        }
        // Several examples per pass or one (row budget 1): the same losses to float rounding (the
        // batched forward is not bit-equal to single-sequence passes here, ~1e-6), and deterministic.
        let single = try FrozenLosses.compute(model: model, examples: ex, rowBudget: 1)
        let batched = try FrozenLosses.compute(model: model, examples: ex)
        for (a, b) in zip(single.flatMap { $0 }, batched.flatMap { $0 }) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(batched, try FrozenLosses.compute(model: model, examples: ex))
    }

    /// Rho-1: E = CE(θ) − CE(φ), φ a perturbed copy; the static scores, the batch-view function and the
    /// per-batch masks all equal a direct computation from separate full-sequence forwards.
    func testRho1ExcessLossMatchesDirectComputation() throws {
        let (theta, _, ex) = try load()
        let phi = try Llama(directory: tinyDir)
        for i in stride(from: 0, to: phi.parameters.count, by: 7) { phi.parameters.base[i] *= 1.3 }
        func direct(_ m: Llama, _ e: GroupingExample) -> [Double] {
            let v = m.config.vocabSize
            let logits = m.forward(e.tokens, cache: m.makeCache(capacity: e.tokens.count), logitsFor: Array(0..<e.tokens.count))
            return e.lossPositions.map { p in ce(Array(logits[((p - 1) * v)..<(p * v)]), e.tokens[p]) }
        }
        let expected = ex.map { e in zip(direct(theta, e), direct(phi, e)).map { $0 - $1 } }
        let ref = try ReferenceLosses.compute(reference: phi, modelHash: "phi", examples: ex)
        let rho = Rho1Grouping(current: theta, currentHash: "theta", reference: ref)
        XCTAssertEqual(rho.defaultScope, .batch)
        let s = try rho.checkedScores(ex)
        for (a, b) in zip(s.flatMap { $0 }, expected.flatMap { $0 }) { XCTAssertEqual(a, b, accuracy: 2e-5) }
        XCTAssert(expected.flatMap { $0 }.contains { abs($0) > 0.01 }, "the perturbation must change the losses")
        // As a function of a training batch: θ's losses in batch order plus (example, token) indices.
        let thetaLosses = try FrozenLosses.compute(model: theta, examples: ex)
        let exampleIndex = ex.flatMap { e in Array(repeating: e.index, count: e.lossCount) }
        let tokenIndex = ex.flatMap { Array(0..<$0.lossCount) }
        let e = try Rho1.excessLoss(losses: thetaLosses.flatMap { $0 }, exampleIndex: exampleIndex, tokenIndex: tokenIndex, reference: ref)
        for (a, b) in zip(e, expected.flatMap { $0 }) { XCTAssertEqual(Double(a), b, accuracy: 2e-5) }
        // Per-batch masks: exactly the tokens whose direct E reaches numpy's percentile of the batch.
        let masks = try Selector.important(s, eta: 0.55, scope: .batch)
        let t = Selector.percentile(expected.flatMap { $0 }, 55)
        let imp = masks.flatMap { $0 }, flat = expected.flatMap { $0 }
        for k in flat.indices where abs(flat[k] - t) > 1e-4 { XCTAssertEqual(imp[k], flat[k] >= t) }
        XCTAssertThrowsError(try ref.loss(example: 99, token: 0))
    }

    func testBadReferenceCheckpointIsNamed() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/reference")
        XCTAssertThrowsError(try ReferenceLosses.loadModel(missing, vocabularySize: nil)) {
            XCTAssertEqual($0 as? GroupingError, .badReference(path: missing.path, reason: "no such folder"))
        }
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-bad-ref-\(getpid())")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: broken) }
        try Data("{\"not\": \"a llama\"}".utf8).write(to: broken.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ReferenceLosses.loadModel(broken, vocabularySize: nil)) { err in
            guard case .badReference(let p, _)? = err as? GroupingError else { return XCTFail("\(err)") }
            XCTAssertEqual(p, broken.path)
        }
        // A reference that reads fewer ids than the data's tokenizer cannot score it.
        XCTAssertThrowsError(try ReferenceLosses.loadModel(tinyDir, vocabularySize: 49152)) { err in
            XCTAssert("\(err)".contains("cannot score a tokenizer of 49152 ids"), "\(err)")
        }
    }
}
