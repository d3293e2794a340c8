import XCTest
import Foundation
@testable import Grouping

final class SelectorTests: XCTestCase {
    struct Case: Decodable { var scores: [Double]; var eta: Double; var threshold: Double; var important: [Int] }

    /// Thresholds bit-equal to numpy.percentile (linear) and masks equal to score >= t, on 100 cases
    /// (ties, 1–3 values, η = 0 and 1, random normals and small integers).
    func testPercentileMatchesNumpy() throws {
        let cases = try JSONDecoder().decode([Case].self,
            from: Data(contentsOf: groupingFixtures.appendingPathComponent("grouping/percentile.json")))
        XCTAssertEqual(cases.count, 100)
        for c in cases {
            XCTAssertEqual(Selector.percentile(c.scores, 100 * c.eta).bitPattern, c.threshold.bitPattern,
                           "\(c.scores) η=\(c.eta): \(Selector.percentile(c.scores, 100 * c.eta)) vs \(c.threshold)")
            XCTAssertEqual(try Selector.important(c.scores, eta: c.eta).map { $0 ? 1 : 0 }, c.important)
        }
    }

    /// Hand-computed: sorted [1, 2, 3, 4, 10], η = 0.9 → virtual index 3.6 → 4 + 0.6·6 = 7.6.
    func testHandComputedThreshold() throws {
        assertClose(Selector.percentile([10, 1, 4, 2, 3], 90), 7.6)
        XCTAssertEqual(try Selector.important([10, 1, 4, 2, 3], eta: 0.9), [true, false, false, false, false])
        // η = 0.5 of [1, 2, 3, 4] → index 1.5 → 2.5: the top two.
        XCTAssertEqual(try Selector.important([4, 1, 3, 2], eta: 0.5), [true, false, true, false])
    }

    func testTiesLandInTheSameGroup() throws {
        // [1, 5, 5, 5, 2], η = 0.9 → t = 5: all three 5s important, never a split tie.
        XCTAssertEqual(try Selector.important([1, 5, 5, 5, 2], eta: 0.9), [false, true, true, true, false])
        // All equal: everything important at any η.
        for eta in [0.0, 0.3, 0.9, 1.0] {
            XCTAssertEqual(try Selector.important([0.25, 0.25, 0.25], eta: eta), [true, true, true])
        }
    }

    func testShortResponses() throws {
        XCTAssertEqual(try Selector.important([], eta: 0.9), [])
        for eta in [0.0, 0.5, 0.9, 1.0] { XCTAssertEqual(try Selector.important([-3], eta: eta), [true]) }
        // Two tokens: t = 1 + η·(3 − 1); the lower is important only at η = 0.
        XCTAssertEqual(try Selector.important([1, 3], eta: 0), [true, true])
        XCTAssertEqual(try Selector.important([1, 3], eta: 0.01), [false, true])
        XCTAssertEqual(try Selector.important([3, 1], eta: 1), [true, false])
        // Three tokens: η = 0.5 → the median and above.
        XCTAssertEqual(try Selector.important([2, 9, 4], eta: 0.5), [false, true, true])
    }

    func testEtaZeroMarksAllAndEtaOneOnlyTopTies() throws {
        let s: [Double] = [0.1, 0.7, -2, 0.7, 0.3]
        XCTAssertEqual(try Selector.important(s, eta: 0), [true, true, true, true, true])
        XCTAssertEqual(try Selector.important(s, eta: 1), [false, true, false, true, false])
        XCTAssertThrowsError(try Selector.important(s, eta: 1.5)) { XCTAssertEqual($0 as? GroupingError, .invalidEta(1.5)) }
        XCTAssertThrowsError(try Selector.important(s, eta: -0.1))
    }

    func testScopes() throws {
        let s: [[Double]] = [[1, 2, 3, 4], [10, 20], [0.5]]
        XCTAssertEqual(try Selector.important(s, eta: 0.5, scope: .sequence),
                       [[false, false, true, true], [false, true], [true]])
        // Pooled: 7 values [0.5, 1, 2, 3, 4, 10, 20], η = 0.5 → t = 3.
        XCTAssertEqual(try Selector.important(s, eta: 0.5, scope: .batch),
                       [[false, false, true, true], [true, true], [false]])
        // Batches of two examples: [1,2,3,4,10,20] → t = 3.5; then [0.5] alone.
        XCTAssertEqual(try Selector.important(s, eta: 0.5, scope: .batch, batchSize: 2),
                       [[false, false, false, true], [true, true], [true]])
    }
}
