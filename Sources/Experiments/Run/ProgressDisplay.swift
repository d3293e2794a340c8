import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one progress line of a sweep: cells done / total, the current cell and phase, elapsed time
/// and the ETA. Rewritten in place on a terminal; on a pipe a line per change, at most every
/// `interval` seconds (plus every cell boundary).
public final class ProgressDisplay {
    let total: Int
    let interactive: Bool
    let interval: Double
    let start = Date()
    var lastPrinted = Date.distantPast
    let sink: (String) -> Void
    public private(set) var finished = 0
    public private(set) var failed = 0
    /// Estimated seconds for the cells still to run, refreshed by the executor.
    public var remainingEstimate: Double?

    public init(total: Int, interactive: Bool = isatty(2) != 0, interval: Double = 10,
                sink: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.interactive = interactive
        self.interval = interval
        self.sink = sink
    }

    public func cellFinished(failed f: Bool) {
        if f { failed += 1 } else { finished += 1 }
    }

    public func line(cell: String, progress: CellProgress?) -> String {
        let elapsed = Date().timeIntervalSince(start)
        var s = "[\(finished + failed)/\(total)] done \(finished) failed \(failed) | \(cell)"
        if let p = progress {
            s += " \(p.phase.rawValue) \(p.done)" + (p.total.map { "/\($0)" } ?? "")
        }
        s += " | elapsed \(Plan.duration(elapsed))"
        s += " | ETA " + (remainingEstimate.map { Plan.duration($0) } ?? "unknown")
        return s
    }

    public func update(cell: String, progress: CellProgress?, force: Bool = false) {
        let now = Date()
        guard force || interactive || now.timeIntervalSince(lastPrinted) >= interval else { return }
        lastPrinted = now
        let l = line(cell: cell, progress: progress)
        sink(interactive ? "\r\u{1B}[K" + l : l + "\n")
    }

    public func close() { if interactive { sink("\n") } }
}
