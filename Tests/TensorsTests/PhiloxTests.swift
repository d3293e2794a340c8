import XCTest
@testable import Tensors

final class PhiloxTests: XCTestCase {
    override func tearDown() { ThreadPool.configure(threads: ThreadPool.defaultThreadCount()) }

    /// Known-answer vectors of the Random123 reference (kat_vectors, philox4x32 10 rounds).
    func testKnownAnswers() {
        let zero = Philox4x32(seed: 0, stream: 0).block(0)
        XCTAssertEqual([zero.0, zero.1, zero.2, zero.3], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox4x32(seed: .max, stream: .max).block(.max)
        XCTAssertEqual([ones.0, ones.1, ones.2, ones.3], [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = Philox4x32(seed: 0x299f_31d0_a409_3822, stream: 0x0370_7344_1319_8a2e).block(0x85a3_08d3_243f_6a88)
        XCTAssertEqual([pi.0, pi.1, pi.2, pi.3], [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    func testFillsDoNotDependOnThreadCountAndHaveSaneMoments() {
        let n = 100_003
        var byThreads: [[Float]] = []
        for t in [1, 2, 5] {
            ThreadPool.configure(threads: t)
            var u = [Float](repeating: 0, count: n), g = u
            let rng = Philox4x32(seed: 42, stream: 7)
            rng.fillUniform(&u, count: n)
            rng.fillNormal(&g, count: n)
            byThreads.append(u + g)
        }
        XCTAssertEqual(byThreads[0], byThreads[1])
        XCTAssertEqual(byThreads[0], byThreads[2])
        let u = byThreads[0][0..<n], g = byThreads[0][n...]
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(u.reduce(0, +)) / Double(n), 0.5, accuracy: 0.005)
        let mean = g.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = g.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        XCTAssertNotEqual(Philox4x32(seed: 42, stream: 8).uniform(0), Philox4x32(seed: 42, stream: 7).uniform(0))
    }
}
