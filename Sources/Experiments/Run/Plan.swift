import Checkpoints
import Foundation

/// The sweep's plan: each cell with its state and expected time. Times come from what this store
/// has measured (finished cells' train seconds per step and evaluation seconds), else from the
/// runner's own estimate, else they are unknown and said so.
public struct Plan {
    public struct Entry {
        public var cell: Cell
        public var status: CellStatus
        public var record: CellRecord?
        public var estimateSeconds: Double?
        public var basis: String
        public var unavailable: Unavailability?
    }
    public var entries: [Entry]
    public var budgetSeconds: Double?

    /// Seconds the not-yet-done cells still need (nil when any estimate is unknown).
    public var remainingSeconds: Double? {
        var total = 0.0
        for e in entries where e.status != .done && e.status != .unavailable && e.status != .failed {
            guard let s = e.estimateSeconds else { return nil }
            total += s
        }
        return total
    }

    public static func make(cells: [Cell], store: ResultStore, runner: CellRunner, locations: Locations,
                            budgetSeconds: Double?) throws -> Plan {
        var records: [String: CellRecord] = [:]
        for c in cells { if let r = try store.record(c.id) { records[c.id] = r } }
        let measured = Throughput.measure(cells: cells, records: records)
        var entries: [Entry] = []
        for c in cells {
            let status = try store.status(of: c.id)
            let un = locations.unavailability(of: c) ?? runner.unavailability(of: c)
            var est: Double?, basis = "unknown"
            if let m = measured, let s = m.seconds(c) { est = s; basis = m.basis }
            else if let e = runner.estimate(c) { est = e.trainSeconds + e.evalSeconds; basis = e.basis }
            entries.append(Entry(cell: c, status: un != nil && status != .done ? .unavailable : status,
                                 record: records[c.id], estimateSeconds: est, basis: basis, unavailable: un))
        }
        return Plan(entries: entries, budgetSeconds: budgetSeconds)
    }

    public func render() -> String {
        var out = "cell | status | estimate | basis\n"
        for e in entries {
            let est = e.estimateSeconds.map { Plan.duration($0) } ?? "unknown"
            var line = "\(e.cell.id) | \(e.status.rawValue) | \(est) | \(e.basis)"
            if let u = e.unavailable { line += " | \(u)" }
            out += line + "\n"
        }
        let counts = Dictionary(grouping: entries, by: { $0.status }).mapValues(\.count)
        out += "cells: \(entries.count) (" + CellStatus.allCases.compactMap { s in
            counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", ") + ")\n"
        let runnable = entries.filter { $0.status != .done && $0.status != .unavailable && $0.status != .failed }.count
        if runnable == 0 {
            out += entries.contains { $0.status == .unavailable } ? "no cell can run here yet (reasons above)\n" : "nothing left to run\n"
        } else if let r = remainingSeconds {
            out += "estimated time for the \(runnable) remaining cells: \(Plan.duration(r))"
            if let b = budgetSeconds { out += r <= b ? " (within the profile's budget \(Plan.duration(b)))"
                                                    : " (OVER the profile's budget \(Plan.duration(b)))" }
            out += "\n"
        } else {
            out += "estimated time: unknown until the runner has measured its speed\n"
        }
        return out
    }

    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }
}

/// Speed measured by the cells a store has finished: train seconds per step, evaluation seconds
/// per cell.
public struct Throughput {
    public var trainSecondsPerStep: Double?
    public var trainSecondsPerCell: Double
    public var evalSecondsPerCell: Double
    public var cellsMeasured: Int
    public var basis: String { "measured on \(cellsMeasured) finished cell(s)" }

    public static func measure(cells: [Cell], records: [String: CellRecord]) -> Throughput? {
        var train = 0.0, eval = 0.0, steps = 0, n = 0
        for c in cells {
            guard let r = records[c.id], r.status == .done, let t = r.trainSeconds, let e = r.evalSeconds else { continue }
            train += t
            eval += e
            n += 1
            if let s = c.plannedSteps { steps += s }
        }
        guard n > 0 else { return nil }
        return Throughput(trainSecondsPerStep: steps > 0 ? train / Double(steps) : nil,
                          trainSecondsPerCell: train / Double(n), evalSecondsPerCell: eval / Double(n), cellsMeasured: n)
    }

    public func seconds(_ c: Cell) -> Double? {
        let t = c.plannedSteps.flatMap { s in trainSecondsPerStep.map { $0 * Double(s) } } ?? trainSecondsPerCell
        return t + evalSecondsPerCell
    }
}
