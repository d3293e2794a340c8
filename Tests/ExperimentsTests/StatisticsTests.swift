@testable import Experiments
import Foundation
import XCTest

/// Aggregation statistics against values computed by hand (closed forms) or printed in every
/// statistics table.
final class StatisticsTests: XCTestCase {
    func testMeanAndBothStandardDeviations() {
        let x: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]
        XCTAssertEqual(Statistics.mean(x), 5)
        XCTAssertEqual(Statistics.std(x, kind: .population)!, 2, accuracy: 1e-12)        // √(32/8)
        XCTAssertEqual(Statistics.std(x, kind: .sample)!, (32.0 / 7).squareRoot(), accuracy: 1e-12)
        XCTAssertNil(Statistics.std([3], kind: .sample))
        XCTAssertEqual(Statistics.std([3], kind: .population), 0)
    }

    func testIncompleteBetaClosedForms() {
        for x in [0.1, 0.37, 0.5, 0.92] {
            XCTAssertEqual(Statistics.incompleteBeta(x, a: 1, b: 1), x, accuracy: 1e-12)
            XCTAssertEqual(Statistics.incompleteBeta(x, a: 3, b: 1), x * x * x, accuracy: 1e-12)
            XCTAssertEqual(Statistics.incompleteBeta(x, a: 1, b: 2), 1 - (1 - x) * (1 - x), accuracy: 1e-12)
        }
        XCTAssertEqual(Statistics.incompleteBeta(0.5, a: 7.5, b: 7.5), 0.5, accuracy: 1e-12)
    }

    func testTQuantilesAgainstClosedFormsAndTables() {
        // ν = 1 (Cauchy): t_p = tan(π(p − ½)); ν = 2: t_p = (2p − 1)·√(2 / (1 − (2p − 1)²)).
        for p in [0.6, 0.9, 0.975, 0.995] {
            XCTAssertEqual(Statistics.tQuantile(p, dof: 1), tan(Double.pi * (p - 0.5)), accuracy: 1e-8 * max(1, tan(Double.pi * (p - 0.5))))
            let u = 2 * p - 1
            XCTAssertEqual(Statistics.tQuantile(p, dof: 2), u * (2 / (1 - u * u)).squareRoot(), accuracy: 1e-9)
        }
        // Printed t tables (0.975 quantiles): ν = 3, 4, 9, 30; 0.95 at ν = 5.
        XCTAssertEqual(Statistics.tQuantile(0.975, dof: 3), 3.182446305284263, accuracy: 1e-9)
        XCTAssertEqual(Statistics.tQuantile(0.975, dof: 4), 2.7764451051977987, accuracy: 1e-9)
        XCTAssertEqual(Statistics.tQuantile(0.975, dof: 9), 2.2621571627409915, accuracy: 1e-9)
        XCTAssertEqual(Statistics.tQuantile(0.975, dof: 30), 2.0422724563012373, accuracy: 1e-9)
        XCTAssertEqual(Statistics.tQuantile(0.95, dof: 5), 2.015048372669157, accuracy: 1e-9)
        XCTAssertEqual(Statistics.tQuantile(0.025, dof: 4), -2.7764451051977987, accuracy: 1e-9)
        // ν = 2 CDF closed form: F(t) = ½ + t / (2√(t² + 2)).
        XCTAssertEqual(Statistics.tCDF(1.3, dof: 2), 0.5 + 1.3 / (2 * (1.69 + 2).squareRoot()), accuracy: 1e-12)
    }

    func testPairedComparisonByHand() throws {
        // Per-seed Δ = 1, 2, 3: mean 2, s = 1, se = 1/√3, t(0.975, 2) = 4.302652729749464.
        let pc = try XCTUnwrap(PairedComparison(method: [1: 10, 2: 12, 3: 14, 4: 20], baseline: [1: 9, 2: 10, 3: 11]))
        XCTAssertEqual(pc.seeds, [1, 2, 3])
        XCTAssertEqual(pc.deltas, [1, 2, 3])
        XCTAssertEqual(pc.meanDelta, 2)
        XCTAssertEqual(pc.sd!, 1, accuracy: 1e-12)
        let half = 4.302652729749464 / 3.0.squareRoot()
        XCTAssertEqual(pc.low!, 2 - half, accuracy: 1e-9)
        XCTAssertEqual(pc.high!, 2 + half, accuracy: 1e-9)
        // t = 2√3, ν = 2: p = 2(1 − F(t)) = 1 − t/√(t² + 2) = 1 − 2√3/√14.
        XCTAssertEqual(pc.pValue!, 1 - 2 * 3.0.squareRoot() / 14.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(pc.verdict, .withinNoise)

        let better = try XCTUnwrap(PairedComparison(method: [1: 1.0, 2: 1.1, 3: 0.9, 4: 1.0, 5: 1.0],
                                                    baseline: [1: 0, 2: 0, 3: 0, 4: 0, 5: 0]))
        XCTAssertEqual(better.verdict, .better)
        XCTAssertEqual(PairedComparison(method: [1: 3], baseline: [1: 1])?.verdict, .tooFewSeeds)
        XCTAssertEqual(PairedComparison(method: [1: -3, 2: -3.2, 3: -2.9], baseline: [1: 0, 2: 0, 3: 0])?.verdict, .worse)
        XCTAssertNil(PairedComparison(method: [1: 3], baseline: [2: 1]))
        let flat = try XCTUnwrap(PairedComparison(method: [1: 3.5, 2: 4.5], baseline: [1: 1, 2: 2]))
        XCTAssertEqual(flat.verdict, .noSpread)
        XCTAssertNil(flat.pValue)
        // Scores × 100 carry rounding: Δ 2.5 and 2.5000000000000036 are the same Δ.
        XCTAssertEqual(PairedComparison(method: [1: 0.325 * 100, 2: 0.3 * 100], baseline: [1: 0.3 * 100, 2: 0.275 * 100])?.verdict, .noSpread)
    }

    func testQuantileInterpolatesLikeNumpy() {
        let s: [Double] = [1, 2, 3, 4, 10]
        XCTAssertEqual(PairedBootstrap.quantile(s, 0.5), 3)
        XCTAssertEqual(PairedBootstrap.quantile(s, 0.9), 4 + 0.6 * 6, accuracy: 1e-12)   // pos 3.6
        XCTAssertEqual(PairedBootstrap.quantile(s, 0.025), 1 + 0.1, accuracy: 1e-12)   // pos 0.1
    }

    func testBootstrapByHand() {
        // Constant per-item difference: every resample gives the same Δ.
        let flat = PairedBootstrap.run([.init(method: [1, 1, 0, 1], baseline: [0.5, 0.5, -0.5, 0.5])], resamples: 200)
        XCTAssertEqual(flat.observed, 50, accuracy: 1e-9)
        XCTAssertEqual(flat.low, 50, accuracy: 1e-9)
        XCTAssertEqual(flat.high, 50, accuracy: 1e-9)
        XCTAssertEqual(flat.fractionNotBetter, 0)
        // Two items with differences 0 and 1: a resample has Δ ≤ 0 only when both draws are item 0,
        // probability 1/4; the observed Δ is 50.
        let two = PairedBootstrap.run([.init(method: [0, 1], baseline: [0, 0])], resamples: 20_000)
        XCTAssertEqual(two.observed, 50, accuracy: 1e-9)
        XCTAssertEqual(two.fractionNotBetter, 0.25, accuracy: 0.015)
        XCTAssertEqual(two.low, 0)
        XCTAssertEqual(two.high, 100)
        // Seeded: the same call gives the same answer.
        XCTAssertEqual(PairedBootstrap.run([.init(method: [0, 1, 1], baseline: [1, 0, 0])], resamples: 500),
                       PairedBootstrap.run([.init(method: [0, 1, 1], baseline: [1, 0, 0])], resamples: 500))
        // Weighted components: Δ = 100·(¼·1 + ¾·0) with constant differences.
        let w = PairedBootstrap.run([.init(method: [1, 1], baseline: [0, 0], weight: 1),
                                     .init(method: [0, 0], baseline: [0, 0], weight: 3)], resamples: 50)
        XCTAssertEqual(w.observed, 25, accuracy: 1e-9)
        XCTAssertEqual(w.low, 25, accuracy: 1e-9)
    }
}
