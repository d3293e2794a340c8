import XCTest
@testable import Evaluation

/// Hand-computed cases for lm-eval 0.4.8's multiple-choice metrics and aggregations.
final class MetricsTests: XCTestCase {
    func testAccTiesGoToTheFirstChoice() {
        XCTAssertEqual(Metrics.argmax([-2, -1, -1, -3]), 1)
        XCTAssertEqual(Metrics.acc(lls: [-2, -1, -1], gold: 1), 1)
        XCTAssertEqual(Metrics.acc(lls: [-2, -1, -1], gold: 2), 0)
        XCTAssertEqual(Metrics.argmax([-1, .nan, 0]), 1)   // numpy: NaN is the maximum
    }

    func testAccNormDividesByCodePoints() {
        // lls -6, -10; lengths 3 ("abc") and 10 → -2 vs -1 → choice 1 wins normalised, 0 raw.
        XCTAssertEqual(Metrics.normalizedPrediction(lls: [-6, -10], choices: ["abc", "0123456789"]), 1)
        XCTAssertEqual(Metrics.argmax([-6, -10]), 0)
        // "32° F" has 5 code points (6 UTF-8 bytes): -5/5 = -1 beats -6.6/6 = -1.1.
        XCTAssertEqual(Metrics.normalizedPrediction(lls: [-5, -6.6], choices: ["32° F", "abcdef"]), 0)
        // A leading space counts: -4/4 = -1 ties -3/3 = -1 → first.
        XCTAssertEqual(Metrics.normalizedPrediction(lls: [-4, -3], choices: [" abc", "abc"]), 0)
    }

    func testMC2V2AndV3() {
        let lls = [log(0.2), log(0.1), log(0.3), log(0.4)]
        // v2: labels [1, 0, 1, 0] → true = answers before the first 0 = {0}: 0.2 / 1.0.
        XCTAssertEqual(Metrics.mc2(lls: lls, labels: [1, 0, 1, 0], variant: .v2), 0.2, accuracy: 1e-15)
        // v3: true = labelled 1 = {0, 2}: (0.2 + 0.3) / 1.0.
        XCTAssertEqual(Metrics.mc2(lls: lls, labels: [1, 0, 1, 0], variant: .v3), 0.5, accuracy: 1e-15)
        // Sorted labels: both agree.
        XCTAssertEqual(Metrics.mc2(lls: lls, labels: [1, 1, 0, 0], variant: .v2), 0.3, accuracy: 1e-15)
        XCTAssertEqual(Metrics.mc2(lls: lls, labels: [1, 1, 0, 0], variant: .v3), 0.3, accuracy: 1e-15)
        // Everything underflows → NaN, as lm-eval.
        XCTAssertTrue(Metrics.mc2(lls: [-1e4, -1e4], labels: [1, 0], variant: .v2).isNaN)
    }

    func testMC2V2FloatOrder() {
        // Σ_true p_i/Z left to right, Z = Σ_true + Σ_false (each left to right).
        let p = [0.1, 0.2, 0.3, 0.15, 0.25]
        let lls = p.map { log($0) }
        let e = lls.map { exp($0) }
        let z = (0.0 + e[0] + e[1] + e[2]) + (0.0 + e[3] + e[4])
        let expected = 0.0 + e[0] / z + e[1] / z + e[2] / z
        XCTAssertEqual(Metrics.mc2(lls: lls, labels: [1, 1, 1, 0, 0], variant: .v2), expected)
    }

    func testNumpyPairwiseSum() {
        let xs = (0..<20).map { 1.0 / Double($0 + 3) }
        var r = Array(xs[0..<8])
        for j in 0..<8 { r[j] += xs[8 + j] }
        var expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in 16..<20 { expected += xs[i] }
        XCTAssertEqual(Metrics.numpySum(xs), expected)
        XCTAssertEqual(Metrics.numpySum([1, 2, 3]), 6)
    }

    func testMeanAndStderr() {
        // [1, 0, 1, 1]: mean 0.75; sample var = (3·0.0625 + 0.5625)/3 = 0.25; stderr = 0.5/2 = 0.25.
        XCTAssertEqual(Metrics.mean([1, 0, 1, 1]), 0.75)
        XCTAssertEqual(Metrics.meanStderr([1, 0, 1, 1])!, 0.25, accuracy: 1e-15)
        XCTAssertNil(Metrics.meanStderr([1]))   // lm-eval: "N/A"
    }

    func testGroupWeightedMeanAndPooledStderr() {
        // Two subtasks: [1,1,0,0] (acc .5, se = sqrt(1/3)/2) and [1,1] (acc 1, se 0).
        let se1 = Metrics.meanStderr([1, 1, 0, 0])!
        let se2 = Metrics.meanStderr([1, 1])!
        XCTAssertEqual(Metrics.weightedMean([0.5, 1.0], sizes: [4, 2], weightBySize: true), 4.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(Metrics.weightedMean([0.5, 1.0], sizes: [4, 2], weightBySize: false), 0.75)
        // pooled var = ((4-1)·se1²·4 + (2-1)·0·2) / (6 - 2) = 3·(1/12)·4/4 = 0.25; / 6 → sqrt(1/24).
        XCTAssertEqual(Metrics.pooledStderr([se1, se2], sizes: [4, 2]), (0.25 / 6).squareRoot(), accuracy: 1e-15)
    }
}
