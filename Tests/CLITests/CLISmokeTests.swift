import XCTest
@testable import SFTGOCLI

final class CLISmokeTests: XCTestCase {
    func testRootCommandParses() throws {
        XCTAssertNoThrow(try SFTGOCommand.parseAsRoot(["model", "--help"]) )
    }
}
