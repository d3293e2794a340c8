import XCTest
import Foundation
import Checkpoints
@testable import Models

/// Issue 21 item 3: generate() reserved prompt + maxNewTokens cache rows up front, so a huge limit
/// allocated gigabytes or overflowed (Int.max) before the first token.
final class GenerateLimitsTests: XCTestCase {
    func testHugeMaxNewTokensReservesOnlyWhatIsUsed() throws {
        let llama = try Llama(directory: fixtureModels.appendingPathComponent("tiny-gqa-tied"))
        let everyId = Set(0..<llama.config.vocabSize)
        for limit in [Int.max, 1 << 40] {
            let out = llama.generate(prompt: [1, 2, 3], maxNewTokens: limit, stopTokenIds: everyId)
            XCTAssertEqual(out.count, 1, "any token stops")
        }
        // The cache grows past its first reservation: 300 steps (beyond the 256 reserved up front).
        let long = llama.generate(prompt: [1, 2, 3], maxNewTokens: 300, stopTokenIds: [])
        XCTAssertEqual(long.count, 300)
        let short = llama.generate(prompt: [1, 2, 3], maxNewTokens: 20, stopTokenIds: [])
        XCTAssertEqual(Array(long.prefix(20)), short, "growing the cache changes no token")
    }
}
