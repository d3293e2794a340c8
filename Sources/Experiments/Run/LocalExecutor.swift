import Checkpoints
import Foundation

/// Counts of one `sweep run`.
public struct SweepSummary: Equatable {
    public var ran = 0
    public var skippedDone = 0
    public var failed = 0
    public var unavailable = 0
    public var failedCells: [String] = []
}

/// Runs a sweep's cells one after another in this process, in dependency order, against a result
/// store. Killed at any point and started again it skips finished cells, continues a trained cell
/// with its evaluation, and hands an interrupted training back to the runner (which resumes from its
/// own checkpoint). A failing cell keeps its error in run.json and the sweep goes on; cells whose
/// reference failed fail with that reason.
public final class LocalExecutor {
    public let store: ResultStore
    public let runner: CellRunner
    public let locations: Locations
    public var gitCommit: String
    public var retryFailed = false
    public var display: ProgressDisplay?

    public init(store: ResultStore, runner: CellRunner, locations: Locations, gitCommit: String) {
        self.store = store
        self.runner = runner
        self.locations = locations
        self.gitCommit = gitCommit
    }

    /// A finished (or started) cell whose configuration no longer matches the spec is never silently
    /// reused or resumed.
    public func checkUnchanged(_ cells: [Cell]) throws {
        var changed: [String] = []
        for c in cells {
            // Any cell that has started work (its folder may hold a checkpoint of the old config).
            if let r = try store.record(c.id), r.status != .pending, r.status != .unavailable,
               r.configSHA256 != c.configSHA256 { changed.append(c.id) }
        }
        if !changed.isEmpty {
            throw SpecError(file: store.cellsDirectory.path, field: "config_sha256",
                            message: "cells were run with a different configuration: \(changed.joined(separator: ", ")). "
                                + "Restore the spec, or move those cell folders away to run them again.")
        }
    }

    @discardableResult
    public func run(_ cells: [Cell]) throws -> SweepSummary {
        let lock = try store.lock()
        defer { lock.release() }
        return try runUnlocked(cells, planFor: cells)
    }

    /// Runs the one cell `id` of `cells` holding only that cell's lock: a scheduler task's work, with
    /// other cells of the store running in parallel elsewhere.
    @discardableResult
    public func runCell(id: String, of cells: [Cell]) throws -> SweepSummary {
        guard let c = cells.first(where: { $0.id == id }) else {
            throw SpecError(file: store.root.path, field: "cell", message: "no cell '\(id)' in this spec and profile")
        }
        let lock = try store.lockCell(id)
        defer { lock.release() }
        return try runUnlocked([c], planFor: cells)
    }

    func runUnlocked(_ cells: [Cell], planFor all: [Cell]) throws -> SweepSummary {
        try checkUnchanged(cells)
        var summary = SweepSummary()
        let display = self.display ?? ProgressDisplay(total: cells.count)
        for c in cells {
            display.remainingEstimate = try? Plan.make(cells: all, store: store, runner: runner, locations: locations,
                                                       budgetSeconds: nil).remainingSeconds
            var rec = try store.record(c.id) ?? CellRecord(cell: c, gitCommit: gitCommit, runner: runner.name)
            if rec.status == .pending || rec.status == .unavailable {  // nothing started: take the spec's config
                rec.config = c.config
                rec.configSHA256 = c.configSHA256
            }
            if rec.status == .done { summary.skippedDone += 1; display.cellFinished(failed: false); continue }
            if rec.status == .failed && !retryFailed {
                summary.failed += 1; summary.failedCells.append(c.id); display.cellFinished(failed: true); continue
            }
            if let un = locations.unavailability(of: c) ?? runner.unavailability(of: c) {
                rec.status = .unavailable
                rec.unavailable = un
                try store.write(rec)
                summary.unavailable += 1
                display.cellFinished(failed: false)
                continue
            }
            rec.unavailable = nil
            display.update(cell: c.id, progress: nil, force: true)
            do {
                try runCell(c, &rec, display: display)
                summary.ran += 1
                display.cellFinished(failed: false)
            } catch {
                rec.status = .failed
                rec.error = "\(error)"
                rec.finishedAt = Date()
                try store.write(rec)
                store.event("failed", cell: c.id, JSONObject([("error", .string("\(error)"))]))
                summary.failed += 1
                summary.failedCells.append(c.id)
                display.cellFinished(failed: true)
            }
            display.update(cell: c.id, progress: nil, force: true)
        }
        display.close()
        return summary
    }

    func referenceCheckpoint(_ c: Cell) throws -> URL? {
        guard let refID = c.referenceID else { return nil }
        guard let r = try store.record(refID), r.status == .done || r.status == .trained,
              let path = r.provenance["checkpoint"]?.stringValue else {
            let s = (try? store.status(of: refID))?.rawValue ?? "pending"
            throw SpecError(file: store.directory(of: c.id).path, field: "reference",
                            message: "reference cell \(refID) has no checkpoint (it is \(s))")
        }
        return store.directory(of: refID).appendingPathComponent(path)
    }

    func runCell(_ c: Cell, _ rec: inout CellRecord, display: ProgressDisplay) throws {
        let dir = store.directory(of: c.id)
        rec.status = rec.trainedAt == nil ? .running : .trained
        rec.attempts += 1
        rec.error = nil
        rec.startedAt = rec.startedAt ?? Date()
        rec.gitCommit = gitCommit
        rec.runner = runner.name
        try store.write(rec)
        store.event("started", cell: c.id, JSONObject([("attempt", .int(rec.attempts))]))

        if rec.trainedAt == nil {
            let reference = try referenceCheckpoint(c)
            let t0 = Date()
            let work = store.workDirectory(of: c.id)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let out = try runner.train(c, work: work, reference: reference,
                                       log: dir.appendingPathComponent("train.log")) { p in
                display.update(cell: c.id, progress: p)
            }
            for (k, v) in out.provenance.pairs { rec.provenance[k] = v }
            rec.provenance["checkpoint"] = .string(Self.relative(out.checkpoint, to: dir))
            rec.provenance["reference_checkpoint"] = reference.map { .string($0.path) } ?? .null
            rec.trainSeconds = (rec.trainSeconds ?? 0) + Date().timeIntervalSince(t0)
            rec.trainedAt = Date()
            rec.status = .trained
            try store.write(rec)
            store.event("trained", cell: c.id, JSONObject([("seconds", .double(rec.trainSeconds!))]))
        }

        let t1 = Date()
        let ckpt = Self.resolve(rec.provenance["checkpoint"]?.stringValue ?? "work/checkpoint", in: dir)
        let ev = try runner.evaluate(c, checkpoint: ckpt, samples: store.samplesDirectory(of: c.id),
                                     log: dir.appendingPathComponent("eval.log")) { p in
            display.update(cell: c.id, progress: p)
        }
        try store.writeResults(ev.results, for: c.id)
        for (k, v) in ev.provenance.pairs { rec.provenance["eval_" + k] = v }
        rec.evalSeconds = Date().timeIntervalSince(t1)
        rec.finishedAt = Date()
        rec.status = .done
        try store.write(rec)
        store.event("done", cell: c.id, JSONObject([("train_seconds", .double(rec.trainSeconds ?? 0)),
                                                    ("eval_seconds", .double(rec.evalSeconds!))]))
    }

    /// A checkpoint path from run.json: relative to the cell folder unless absolute.
    static func resolve(_ path: String, in dir: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
    }

    static func relative(_ url: URL, to dir: URL) -> String {
        let p = url.standardizedFileURL.path, d = dir.standardizedFileURL.path + "/"
        return p.hasPrefix(d) ? String(p.dropFirst(d.count)) : p
    }
}
