import XCTest
@testable import Models

final class ModelsSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
