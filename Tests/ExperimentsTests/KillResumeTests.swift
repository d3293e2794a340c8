@testable import Experiments
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The driver as a real child process (`sftgo sweep run --runner synthetic`), killed mid-sweep with
/// SIGKILL and with SIGTERM and started again on the same store: no finished cell is redone, the
/// interrupted trainings resume from their last step, and the final store holds the same results as
/// an uninterrupted run.
final class KillResumeTests: XCTestCase {
    static func sftgoBinary() -> URL? {
        var candidates: [URL] = []
        if let b = ProcessInfo.processInfo.environment["SFTGO_BIN"] { candidates.append(URL(fileURLWithPath: b)) }
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("sftgo")) }
        for c in ["debug", "release"] {
            candidates.append(Fixtures.packageRoot.appendingPathComponent(".build/\(c)/sftgo"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    func start(_ bin: URL, results: URL, env: [String: String], log: URL) throws -> Process {
        let p = Process()
        p.executableURL = bin
        p.arguments = ["sweep", "run", Fixtures.micro.path, "--profile", "kill", "--results", results.path, "--runner", "synthetic"]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let h = try FileHandle(forWritingTo: log)
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    /// Waits until `cond` holds on the ledger, or fails after `timeout` seconds.
    func wait(for what: String, timeout: Double = 60, _ cond: () -> Bool) throws {
        let end = Date().addingTimeInterval(timeout)
        while !cond() {
            guard Date() < end else { throw SpecError(file: "-", field: "test", message: "timed out waiting for \(what)") }
            usleep(20_000)
        }
    }

    func testKilledDriverResumesWithoutRedoingFinishedCells() throws {
        guard let bin = Self.sftgoBinary() else { throw XCTSkip("sftgo binary not built (swift build first, or set SFTGO_BIN)") }
        let root = try Fixtures.tempDir()
        let loc = try Fixtures.locations(root)
        let results = root.appendingPathComponent("results")
        let ledger = root.appendingPathComponent("ledger.txt")
        let log = root.appendingPathComponent("driver.log")
        let env = ["SFTGO_MODELS_DIR": loc.modelsDirectory.path, "SFTGO_DATA_DIR": loc.dataDirectory.path,
                   "SFTGO_SYNTHETIC_LEDGER": ledger.path, "SFTGO_SYNTHETIC_STEP_SECONDS": "0.12"]
        let store = ResultStore(root: ResultStore.root(results: results, experiment: "micro", profile: "kill"))

        // Kill 1: SIGKILL in the middle of the third cell's training.
        var p = try start(bin, results: results, env: env, log: log)
        try wait(for: "two finished cells and a third half-trained") {
            Fixtures.ledger(ledger, "eval-end").count >= 2 && (Fixtures.ledger(ledger, "step").last.map { $0.hasSuffix(" 3") } ?? false)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let killed1 = String(Fixtures.ledger(ledger, "step").last!.split(separator: " ")[1])
        XCTAssertEqual(try store.record(killed1)?.status, .running)
        XCTAssertEqual(try store.status(of: killed1), .interrupted)
        // `sweep status` says so, with the finished cells' times.
        let status = Process()
        status.executableURL = bin
        status.arguments = ["sweep", "status", Fixtures.micro.path, "--profile", "kill", "--results", results.path]
        status.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        status.standardOutput = pipe
        try status.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        status.waitUntilExit()
        XCTAssertTrue(text.contains("\(killed1)") && text.contains("interrupted"), text)
        XCTAssertTrue(text.contains("done ") && text.contains("finished "), text)
        let doneBefore = Set(Fixtures.ledger(ledger, "eval-end").map { String($0.split(separator: " ")[1]) })

        // Kill 2: SIGTERM during a later cell's training.
        p = try start(bin, results: results, env: env, log: log)
        try wait(for: "a further cell half-trained") {
            guard let last = Fixtures.ledger(ledger, "step").last else { return false }
            let id = String(last.split(separator: " ")[1])
            return !doneBefore.contains(id) && id != killed1 && last.hasSuffix(" 2")
        }
        p.terminate()
        p.waitUntilExit()
        let killed2 = String(Fixtures.ledger(ledger, "step").last!.split(separator: " ")[1])

        // Run to the end.
        p = try start(bin, results: results, env: env, log: log)
        p.waitUntilExit()
        let driverLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, driverLog)

        let spec = try ExperimentSpec.load(Fixtures.micro)
        let cells = try Grid.expand(spec, profile: try spec.profiles.profile("kill")).filter { $0.method.id != "llmlingua-2" }
        XCTAssertEqual(cells.count, 8)
        let evalEnds = Fixtures.ledger(ledger, "eval-end").map { String($0.split(separator: " ")[1]) }
        let trainEnds = Fixtures.ledger(ledger, "train-end").map { String($0.split(separator: " ")[1]) }
        XCTAssertEqual(evalEnds.sorted(), cells.map(\.id).sorted(), "every cell evaluated exactly once")
        XCTAssertEqual(trainEnds.sorted(), cells.map(\.id).sorted(), "every cell trained to the end exactly once")
        let steps = Fixtures.ledger(ledger, "step")
        XCTAssertEqual(steps.count, Set(steps).count, "no training step recorded twice")
        for k in [killed1, killed2] {
            let begins = Fixtures.ledger(ledger, "train-begin").filter { $0.hasPrefix("train-begin \(k) ") }
            XCTAssertEqual(begins.count, 2, k)
            XCTAssertNotEqual(begins.last, "train-begin \(k) 0", "\(k) resumed from its last step, not from scratch")
        }

        // The same results as an uninterrupted run of the same cells.
        let fresh = ResultStore(root: root.appendingPathComponent("fresh"))
        let ex = LocalExecutor(store: fresh, runner: SyntheticRunner(items: 60), locations: loc, gitCommit: "test")
        ex.display = ProgressDisplay(total: cells.count, interactive: false, interval: 1e9, sink: { _ in })
        try ex.run(cells)
        for c in cells {
            XCTAssertEqual(try store.status(of: c.id), .done)
            XCTAssertEqual(try store.results(c.id), try fresh.results(c.id), c.id)
            XCTAssertEqual(try StepLoss.load(store.workDirectory(of: c.id).appendingPathComponent("steps.jsonl")).map(\.step),
                           Array(1...6), c.id)
        }
    }
}
