@testable import SFTGOCLI
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

    /// Without a real runner, `sweep run` refuses with the reason instead of producing numbers.
    func testRealRunnerNotWiredYetSaysSo() throws {
        var cmd = try SFTGOCommand.parseAsRoot(["sweep", "run", "experiments/lima.yaml", "--results", "/nonexistent-results"])
        XCTAssertThrowsError(try cmd.run()) { e in
            XCTAssertTrue("\(e)".contains("not wired"), "\(e)")
        }
    }
}
