import XCTest
@testable import Training

final class GroupLossTests: XCTestCase {
    // Hand-computed: losses 1,2 (important), 4,5,8 (unimportant). CE_all = 4, CE_imp = 1.5, CE_unimp = 17/3.
    let losses: [Float] = [1, 4, 2, 5, 8]
    let imp = [true, false, true, false, false]

    func testHandComputedLossAndWeights() {
        let g = GroupLoss(losses: losses, important: imp, lambda: 0.9)
        XCTAssertEqual(g.ceAll, 4, accuracy: 1e-12)
        XCTAssertEqual(g.ceImportant, 1.5, accuracy: 1e-12)
        XCTAssertEqual(g.ceUnimportant, 17.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(g.worse, .unimportant)
        XCTAssertFalse(g.fellBack)
        XCTAssertEqual(g.loss, 0.1 * 4 + 0.9 * 17.0 / 3, accuracy: 1e-12)
        let inK = Float(0.1 / 5 + 0.9 / 3), outK = Float(0.1 / 5)
        XCTAssertEqual(g.weights, [outK, inK, outK, inK, inK])
        // Σ w·loss reproduces the loss value (the weights are its exact gradient w.r.t. each loss).
        let s = zip(g.weights, losses).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(s, g.loss, accuracy: 1e-6)
    }

    func testLambdaZeroIsExactlySFT() {
        let g = GroupLoss(losses: losses, important: imp, lambda: 0)
        XCTAssertEqual(g.weights, [Float](repeating: Float(1.0 / 5), count: 5))
        XCTAssertEqual(g.loss, 4, accuracy: 1e-12)
        let s = SFTWeights().weights(view(losses, imp))
        XCTAssertEqual(s.weights, g.weights)
        let go = GOWeights(schedule: .constant(0)).weights(view(losses, imp))
        XCTAssertEqual(go.weights, s.weights)
        XCTAssertEqual(go.loss, s.loss)
    }

    func testLambdaOneTrainsOnlyTheWorseGroup() {
        let g = GroupLoss(losses: losses, important: imp, lambda: 1)
        XCTAssertEqual(g.weights, [0, Float(1.0 / 3), 0, Float(1.0 / 3), Float(1.0 / 3)])
        XCTAssertEqual(g.loss, 17.0 / 3, accuracy: 1e-12)
    }

    func testEmptyGroupFallsBackToTheOther() {
        let none = GroupLoss(losses: losses, important: [Bool](repeating: false, count: 5), lambda: 0.5)
        XCTAssertTrue(none.fellBack)
        XCTAssertEqual(none.worse, .unimportant)
        XCTAssertEqual(none.loss, 4, accuracy: 1e-12)          // (1−λ)·CE_all + λ·CE_unimp = CE_all
        XCTAssertNil(none.log["ce_imp"])
        XCTAssertEqual(none.log["group_fallback"], 1)
        let all = GroupLoss(losses: losses, important: [Bool](repeating: true, count: 5), lambda: 0.5)
        XCTAssertTrue(all.fellBack)
        XCTAssertEqual(all.worse, .important)
        XCTAssertEqual(all.weights, [Float](repeating: Float(0.5 / 5 + 0.5 / 5), count: 5))
    }

    func testTiePicksImportant() {
        let g = GroupLoss(losses: [2, 1, 3, 0], important: [true, true, false, false], lambda: 0.5)
        XCTAssertEqual(g.ceImportant, g.ceUnimportant)
        XCTAssertEqual(g.worse, .important)
        XCTAssertEqual(g.weights[0], Float(0.5 / 4 + 0.5 / 2))
        XCTAssertEqual(g.weights[2], Float(0.5 / 4))
    }

    func testLambdaScheduleEq5() {
        let s = LambdaSchedule.linearDecay(max: 0.9, min: 0.2)
        XCTAssertEqual(s.value(step: 0, totalSteps: 10), 0.9)
        XCTAssertEqual(s.value(step: 5, totalSteps: 10), 0.45, accuracy: 1e-15)
        XCTAssertEqual(s.value(step: 8, totalSteps: 10), 0.2, accuracy: 1e-15)   // 0.9·0.2 = 0.18 < λ_min
        XCTAssertEqual(LambdaSchedule.constant(0.7).value(step: 99, totalSteps: 10), 0.7)
        let w = GOWeights(schedule: s)
        var v = view(losses, imp); v.step = 5; v.totalSteps = 10
        XCTAssertEqual(w.weights(v).log["lambda"]!, 0.45, accuracy: 1e-15)
    }

    func view(_ l: [Float], _ m: [Bool]) -> TokenBatchView {
        TokenBatchView(losses: l, probs: l.map { exp(-$0) }, entropies: nil, important: m,
                       exampleIndex: [Int](repeating: 0, count: l.count), tokenIndex: Array(0..<l.count),
                       targetIds: [Int](repeating: 0, count: l.count), step: 0, totalSteps: 1)
    }
}
