import ArgumentParser
import XCTest
@testable import SFTGOCLI

/// `sftgo-bench` and its `micro` subcommand both take --model; each form must reach its own command.
final class BenchCommandParsingTests: XCTestCase {
    func testMicroTakesItsOwnModel() throws {
        let parsed = try BenchCommand.parseAsRoot(["micro", "--model", "/m/dir", "--repeats", "1", "--decode-tokens", "4"])
        let micro = try XCTUnwrap(parsed as? MicroBenchCommand, "parsed \(type(of: parsed))")
        XCTAssertEqual(micro.model, "/m/dir")
        XCTAssertEqual(micro.repeats, 1)
        XCTAssertEqual(micro.decodeTokens, 4)
    }

    func testMicroWithoutModel() throws {
        let micro = try XCTUnwrap(try BenchCommand.parseAsRoot(["micro"]) as? MicroBenchCommand)
        XCTAssertNil(micro.model)
    }

    func testScoringIsTheDefaultSubcommand() throws {
        for prefix in [[], ["eval"]] {
            let parsed = try BenchCommand.parseAsRoot(prefix + ["--tasks", "mmlu,arc_challenge", "--model", "/m/dir",
                                                                "--num_fewshot", "5", "--batch-size", "4"])
            let eval = try XCTUnwrap(parsed as? EvalBenchCommand, "\(prefix): parsed \(type(of: parsed))")
            XCTAssertEqual(eval.model, "/m/dir")
            XCTAssertEqual(eval.tasks, "mmlu,arc_challenge")
            XCTAssertEqual(eval.numFewshot, 5)
            XCTAssertEqual(eval.batchSize, 4)
        }
    }

    func testScoringOptionsAreNotAcceptedByMicro() {
        XCTAssertThrowsError(try BenchCommand.parseAsRoot(["micro", "--model", "/m", "--tasks", "all"]))
    }

    func testScoringValidationStillApplies() {
        XCTAssertThrowsError(try BenchCommand.parseAsRoot(["--tasks", "all", "--num_fewshot", "5"]))
    }
}
