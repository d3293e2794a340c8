import XCTest
@testable import Tokenizers

final class TokenizersSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
