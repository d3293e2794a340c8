import Checkpoints
import Foundation

/// Hands a sweep's cells to Slurm as job arrays writing into the same store (shared storage):
/// one array for the cells that can start now, and one for the cells whose reference cell (Rho-1's
/// φ) is still to run, submitted with `--dependency=afterany:<first array>`. Each array task runs
/// `sftgo sweep cell SPEC --cell ID`, which holds only its cell's lock, so tasks run in parallel;
/// finished cells are skipped exactly as in the local executor.
public struct SlurmExecutor {
    public var store: ResultStore
    /// The sftgo executable the tasks run (an absolute path on shared storage).
    public var sftgo: URL
    /// Arguments after `sweep cell`: the spec, profile, results root and runner.
    public var cellArguments: [String]
    /// Extra `sbatch` options (e.g. `--partition=gpu`, `--time=2:00:00`).
    public var sbatchOptions: [String] = []
    public var sbatch = "sbatch"

    public init(store: ResultStore, sftgo: URL, cellArguments: [String]) {
        self.store = store
        self.sftgo = sftgo
        self.cellArguments = cellArguments
    }

    public struct Submission: Equatable {
        public var jobIDs: [String]
        public var cellsPerJob: [Int]
    }

    var slurmDir: URL { store.root.appendingPathComponent("slurm") }

    /// Submits the cells that are not done; returns the job ids (also written to slurm/jobs.json).
    public func submit(_ cells: [Cell]) throws -> Submission {
        var todo: [Cell] = []
        for c in cells {
            let st = try store.status(of: c.id)
            if st != .done && st != .unavailable { todo.append(c) }
        }
        let pendingIDs = Set(todo.map(\.id))
        let first = todo.filter { $0.referenceID.map { !pendingIDs.contains($0) } ?? true }
        let second = todo.filter { $0.referenceID.map { pendingIDs.contains($0) } ?? false }
        try FileManager.default.createDirectory(at: slurmDir, withIntermediateDirectories: true)
        var ids: [String] = [], counts: [Int] = []
        for (n, group) in [first, second].enumerated() where !group.isEmpty {
            let list = slurmDir.appendingPathComponent("group\(n).cells")
            try AtomicFile.write(group.map(\.id).joined(separator: "\n") + "\n", to: list)
            let script = slurmDir.appendingPathComponent("group\(n).sbatch")
            try AtomicFile.write(jobScript(list: list, count: group.count, group: n), to: script)
            var args = ["--parsable"] + sbatchOptions
            if n == 1, let dep = ids.first { args.append("--dependency=afterany:\(dep)") }
            let out = try Self.run(sbatch, args + [script.path])
            guard let id = out.split(separator: ";").first.map({ String($0).trimmingCharacters(in: .whitespacesAndNewlines) }),
                  !id.isEmpty else {
                throw SpecError(file: script.path, field: "sbatch", message: "no job id in output '\(out)'")
            }
            ids.append(id)
            counts.append(group.count)
        }
        let jobs = JSONValue.object(JSONObject([("job_ids", .array(ids.map { .string($0) })),
                                                ("cells", .array(counts.map { .int($0) })),
                                                ("submitted_at", .string(CellRecord.iso.string(from: Date())))]))
        try AtomicFile.write(jobs.serialized(indent: 2) + "\n", to: slurmDir.appendingPathComponent("jobs.json"))
        return Submission(jobIDs: ids, cellsPerJob: counts)
    }

    /// A bash script: the array task picks its cell from the list by SLURM_ARRAY_TASK_ID.
    func jobScript(list: URL, count: Int, group: Int) -> String {
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return """
        #!/bin/bash
        #SBATCH --job-name=sftgo-\(store.root.deletingLastPathComponent().lastPathComponent)-\(group)
        #SBATCH --array=0-\(count - 1)
        #SBATCH --output=\(slurmDir.path)/%A_%a.out
        set -euo pipefail
        CELL=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" \(q(list.path)))
        exec \(q(sftgo.path)) sweep cell \(cellArguments.map(q).joined(separator: " ")) --cell "$CELL"

        """
    }

    /// The queue's view of the submitted jobs (`squeue`), or nil when Slurm is not reachable.
    public func queue() -> String? {
        guard let v = try? JSONValue.load(slurmDir.appendingPathComponent("jobs.json")),
              let ids = v["job_ids"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty else { return nil }
        return try? Self.run("squeue", ["-h", "-o", "%i %T %M %R", "-j", ids.joined(separator: ",")])
    }

    static func run(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [exe] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw SpecError(file: "-", field: exe, message: "cannot start: \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw SpecError(file: "-", field: exe, message: "exit \(p.terminationStatus): \(String(decoding: e, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }
}
