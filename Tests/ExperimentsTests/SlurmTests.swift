@testable import Experiments
import Foundation
import XCTest

/// `sftgo sweep run --executor slurm` on a one-node Slurm (scripts/slurm/loopback.sh start, or
/// `make slurm-test`): the job arrays fill the same store the local executor would, Rho-1's cells
/// start only after their baseline cells are done, and `sweep status` reads the queue.
final class SlurmTests: XCTestCase {
    static func slurmConf() -> String? {
        let conf = ProcessInfo.processInfo.environment["SLURM_CONF"] ?? "/tmp/sftgo-slurm/slurm.conf"
        guard FileManager.default.fileExists(atPath: conf) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sinfo", "-h", "-o", "%T"]
        p.environment = ProcessInfo.processInfo.environment.merging(["SLURM_CONF": conf]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 && (s.contains("idle") || s.contains("mix") || s.contains("alloc")) ? conf : nil
    }

    func sftgo(_ bin: URL, _ args: [String], env: [String: String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, s)
    }

    func testJobArraysFillTheSameStoreAsTheLocalExecutor() throws {
        guard let conf = Self.slurmConf() else {
            throw XCTSkip("no Slurm reachable (start one with scripts/slurm/loopback.sh start, or run make slurm-test)")
        }
        guard let bin = KillResumeTests.sftgoBinary() else { throw XCTSkip("sftgo binary not built") }
        let root = try Fixtures.tempDir()
        let loc = try Fixtures.locations(root)
        let results = root.appendingPathComponent("results")
        let env = ["SLURM_CONF": conf, "SFTGO_MODELS_DIR": loc.modelsDirectory.path, "SFTGO_DATA_DIR": loc.dataDirectory.path]
        let args = [Fixtures.micro.path, "--profile", "kill", "--results", results.path, "--runner", "synthetic"]
        let (code, out) = try sftgo(bin, ["sweep", "run"] + args + ["--executor", "slurm"], env: env)
        XCTAssertEqual(code, 0, out)
        XCTAssertTrue(out.contains("job array"), out)

        let spec = try ExperimentSpec.load(Fixtures.micro)
        let cells = try Grid.expand(spec, profile: try spec.profiles.profile("kill"))
        let store = ResultStore(root: ResultStore.root(results: results, experiment: "micro", profile: "kill"))
        let runnable = cells.filter { $0.method.id != "llmlingua-2" }
        let end = Date().addingTimeInterval(180)
        while try runnable.contains(where: { try store.status(of: $0.id) != .done }) {
            guard Date() < end else {
                XCTFail("slurm jobs did not finish: " + (try sftgo(bin, ["sweep", "status"] + args, env: env).1))
                return
            }
            usleep(250_000)
        }
        let (_, status) = try sftgo(bin, ["sweep", "status"] + args, env: env)
        XCTAssertTrue(status.contains("done 8"), status)
        XCTAssertTrue(status.contains("slurm queue:"), status)

        // Rho-1 started only after its reference finished.
        for c in runnable where c.referenceID != nil {
            let ref = try XCTUnwrap(try store.record(c.referenceID!)), me = try XCTUnwrap(try store.record(c.id))
            XCTAssertLessThanOrEqual(ref.finishedAt!, me.startedAt!, c.id)
        }
        // The same results as the local executor.
        let local = ResultStore(root: root.appendingPathComponent("local"))
        let ex = LocalExecutor(store: local, runner: SyntheticRunner(), locations: loc, gitCommit: "t")
        ex.display = ProgressDisplay(total: cells.count, interactive: false, interval: 1e9, sink: { _ in })
        try ex.run(cells)
        for c in cells {
            XCTAssertEqual(try store.status(of: c.id), try local.status(of: c.id), c.id)
            XCTAssertEqual(try store.results(c.id), try local.results(c.id), c.id)
        }
        // Submitting again submits nothing: every cell is done.
        let (code2, out2) = try sftgo(bin, ["sweep", "run"] + args + ["--executor", "slurm"], env: env)
        XCTAssertEqual(code2, 0)
        XCTAssertTrue(out2.contains("nothing: every cell is done"), out2)
    }
}
