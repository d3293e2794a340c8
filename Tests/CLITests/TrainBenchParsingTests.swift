import XCTest
@testable import SFTGOCLI

final class TrainBenchParsingTests: XCTestCase {
    func testTrainIsABenchSubcommandWithItsOptions() throws {
        let parsed = try BenchCommand.parseAsRoot(["train", "--model", "/m/dir", "--batch", "1", "--length", "64", "--steps", "2", "--json"])
        let train = try XCTUnwrap(parsed as? TrainBenchCommand, "parsed \(type(of: parsed))")
        XCTAssertEqual(train.model, "/m/dir")
        XCTAssertEqual(train.batch, 1)
        XCTAssertEqual(train.length, 64)
        XCTAssertEqual(train.steps, 2)
        XCTAssertTrue(train.json)
        XCTAssertThrowsError(try BenchCommand.parseAsRoot(["train", "--model", "/m", "--length", "1"]))
        XCTAssertThrowsError(try BenchCommand.parseAsRoot(["train"]))   // --model is required
    }
}
