import XCTest
@testable import Evaluation

final class EvaluationSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
