@testable import SFTGOCLI
import Experiments
import XCTest

final class SweepCommandTests: XCTestCase {
    func testSweepAndReportParse() throws {
        let run = try SFTGOCommand.parseAsRoot(["sweep", "run", "experiments/lima.yaml", "--profile", "quick", "--dry-run"])
        XCTAssertTrue(run is SweepRunCommand)
        XCTAssertEqual((run as! SweepRunCommand).options.profile, "quick")
        XCTAssertTrue((run as! SweepRunCommand).dryRun)
        XCTAssertTrue(try SFTGOCommand.parseAsRoot(["sweep", "status", "experiments/lima.yaml"]) is SweepStatusCommand)
        let rep = try SFTGOCommand.parseAsRoot(["report", "experiments/lima.yaml", "--format", "csv", "--std", "population"])
        XCTAssertEqual((rep as! ReportCommand).format, .csv)
        XCTAssertEqual((rep as! ReportCommand).std, .population)
        XCTAssertThrowsError(try SFTGOCommand.parseAsRoot(["report", "experiments/lima.yaml", "--format", "latex"]))
    }

    /// `trainer` (the default) is the real runner; an unknown name is refused with the list.
    func testRealRunnerIsTheDefault() throws {
        XCTAssertEqual(try Runners.make(nil, env: [:]).name, "trainer")
        XCTAssertEqual(try Runners.make(nil, env: ["SFTGO_SWEEP_RUNNER": "synthetic"]).name, "synthetic")
        XCTAssertThrowsError(try Runners.make("nope", env: [:])) { e in
            XCTAssertTrue("\(e)".contains("unknown runner 'nope'"), "\(e)")
        }
    }
}
