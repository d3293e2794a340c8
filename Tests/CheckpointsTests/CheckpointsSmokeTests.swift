import XCTest
@testable import Checkpoints

final class CheckpointsSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
