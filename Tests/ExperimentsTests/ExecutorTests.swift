@testable import Experiments
import Foundation
import XCTest

/// The local executor against the result store, in process, with a recording synthetic runner.
final class ExecutorTests: XCTestCase {
    func setUpSweep() throws -> (cells: [Cell], store: ResultStore, locations: Locations, root: URL) {
        let root = try Fixtures.tempDir()
        let spec = try ExperimentSpec.load(Fixtures.micro)
        let cells = try Grid.expand(spec, profile: try spec.profiles.profile("micro"))
        let store = ResultStore(root: ResultStore.root(results: root.appendingPathComponent("results"),
                                                       experiment: spec.name, profile: "micro"))
        return (cells, store, try Fixtures.locations(root), root)
    }

    func executor(_ s: (cells: [Cell], store: ResultStore, locations: Locations, root: URL), _ r: CellRunner) -> LocalExecutor {
        let ex = LocalExecutor(store: s.store, runner: r, locations: s.locations, gitCommit: "test")
        ex.display = ProgressDisplay(total: s.cells.count, interactive: false, interval: 1e9, sink: { _ in })
        return ex
    }

    func testRunsEverythingOnceInDependencyOrderAndNeverAgain() throws {
        let s = try setUpSweep()
        XCTAssertEqual(s.cells.count, 10)
        let r = RecordingRunner()
        let sum = try executor(s, r).run(s.cells)
        XCTAssertEqual(sum, SweepSummary(ran: 8, skippedDone: 0, failed: 0, unavailable: 2, failedCells: []))
        XCTAssertEqual(r.trained.count, 8)
        XCTAssertEqual(r.evaluated, r.trained)
        for c in s.cells where c.method.id != "llmlingua-2" {
            XCTAssertEqual(try s.store.status(of: c.id), .done)
            let rec = try XCTUnwrap(try s.store.record(c.id))
            XCTAssertEqual(rec.configSHA256, c.configSHA256)
            XCTAssertEqual(rec.config, c.config)
            XCTAssertEqual(rec.seed, c.seed)
            XCTAssertEqual(rec.gitCommit, "test")
            XCTAssertNotNil(try s.store.results(c.id))
        }
        // Rho-1 got the same seed's baseline checkpoint.
        let rho = try XCTUnwrap(s.cells.first { $0.id == "tiny.rho-1.eta55.s2" })
        XCTAssertEqual(r.references[rho.id]??.path,
                       s.store.workDirectory(of: "tiny.baseline-sft.s2").appendingPathComponent("checkpoint").path)
        XCTAssertLessThan(r.trained.firstIndex(of: "tiny.baseline-sft.s2")!, r.trained.firstIndex(of: rho.id)!)
        // The unavailable row keeps its reason and fetch command.
        let ll = try XCTUnwrap(try s.store.record("tiny.llmlingua-2.eta70.lam0.9-0.07.s1"))
        XCTAssertEqual(ll.status, .unavailable)
        XCTAssertTrue(ll.unavailable!.fetch!.hasPrefix("sftgo model fetch microsoft/llmlingua-2"))
        // No temporary files left behind by the atomic writes.
        let leftovers = FileManager.default.enumerator(atPath: s.store.root.path)!.compactMap { $0 as? String }
            .filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])

        let again = RecordingRunner()
        let sum2 = try executor(s, again).run(s.cells)
        XCTAssertEqual(again.trained, [])
        XCTAssertEqual(again.evaluated, [])
        XCTAssertEqual(sum2.skippedDone, 8)
    }

    func testFailedCellKeepsItsErrorAndTheSweepGoesOn() throws {
        let s = try setUpSweep()
        let r = RecordingRunner()
        r.failTrain = ["tiny.baseline-sft.s2"]
        r.failEval = ["tiny.tf-idf.eta90.lam0.9.s1"]
        let sum = try executor(s, r).run(s.cells)
        XCTAssertEqual(Set(sum.failedCells), ["tiny.baseline-sft.s2", "tiny.tf-idf.eta90.lam0.9.s1", "tiny.rho-1.eta55.s2"])
        XCTAssertEqual(sum.ran, 5)
        XCTAssertTrue(try s.store.record("tiny.baseline-sft.s2")!.error!.contains("boom in training"))
        XCTAssertTrue(try s.store.record("tiny.rho-1.eta55.s2")!.error!.contains("reference cell tiny.baseline-sft.s2"))
        XCTAssertEqual(try s.store.status(of: "tiny.dft.s2"), .done)

        // Without --retry-failed, failed cells stay failed; with it they run, and a cell that
        // failed in evaluation is not trained again.
        let r2 = RecordingRunner()
        XCTAssertEqual(try executor(s, r2).run(s.cells).failed, 3)
        XCTAssertEqual(r2.trained, [])
        let r3 = RecordingRunner()
        let ex = executor(s, r3)
        ex.retryFailed = true
        let sum3 = try ex.run(s.cells)
        XCTAssertEqual(sum3.failed, 0)
        XCTAssertEqual(Set(r3.trained), ["tiny.baseline-sft.s2", "tiny.rho-1.eta55.s2"])
        XCTAssertEqual(Set(r3.evaluated), ["tiny.baseline-sft.s2", "tiny.rho-1.eta55.s2", "tiny.tf-idf.eta90.lam0.9.s1"])
        let rec = try s.store.record("tiny.baseline-sft.s2")!
        XCTAssertEqual(rec.attempts, 2)
        XCTAssertNil(rec.error)
    }

    func testChangedConfigOfAFinishedCellIsRefused() throws {
        let s = try setUpSweep()
        try executor(s, RecordingRunner()).run(s.cells)
        var changed = s.cells
        changed[0].training["max_steps"] = .int(99)
        XCTAssertThrowsError(try executor(s, RecordingRunner()).run(changed)) { e in
            XCTAssertTrue("\(e)".contains(changed[0].id), "\(e)")
        }
        // A cell that never started (unavailable) simply takes the new configuration.
        var other = s.cells
        let i = other.firstIndex { $0.method.id == "llmlingua-2" }!
        other[i].training["max_steps"] = .int(7)
        XCTAssertNoThrow(try executor(s, RecordingRunner()).run(other))
        XCTAssertEqual(try s.store.record(other[i].id)?.configSHA256, other[i].configSHA256)
    }

    func testOneDriverPerStore() throws {
        let s = try setUpSweep()
        let lock = try s.store.lock()
        XCTAssertTrue(s.store.isLocked())
        XCTAssertThrowsError(try executor(s, RecordingRunner()).run(s.cells)) { e in
            XCTAssertTrue("\(e)".contains("another sweep"), "\(e)")
        }
        lock.release()
        XCTAssertFalse(s.store.isLocked())
    }

    func testPlanEstimatesFromMeasuredCells() throws {
        let s = try setUpSweep()
        let r = RecordingRunner()
        r.failTrain = Set(s.cells.filter { $0.seed == 2 }.map(\.id))
        try executor(s, r).run(s.cells)
        // Pretend the finished cells took 30 s of training (3 steps) and 12 s of evaluation.
        for c in s.cells where c.seed == 1 && c.method.id != "llmlingua-2" {
            var rec = try s.store.record(c.id)!
            rec.trainSeconds = 30
            rec.evalSeconds = 12
            try s.store.write(rec)
        }
        for c in s.cells where c.seed == 2 { try FileManager.default.removeItem(at: s.store.directory(of: c.id)) }
        let plan = try Plan.make(cells: s.cells, store: s.store, runner: r, locations: s.locations, budgetSeconds: 100)
        // 4 runnable pending cells × (3 steps × 10 s + 12 s).
        XCTAssertEqual(try XCTUnwrap(plan.remainingSeconds), 4 * 42, accuracy: 1e-9)
        XCTAssertTrue(plan.render().contains("OVER the profile's budget"))
        XCTAssertTrue(plan.render().contains("measured on 4 finished cell(s)"))
    }
}
