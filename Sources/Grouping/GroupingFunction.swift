// The grouping function g of §3.1: a score for every loss token of every example (higher = more
// important). The selector (Selector.swift) turns scores into the mask; methods only score.

/// Reports progress of long work: (done, total).
public typealias GroupingProgress = (Int, Int) -> Void

public protocol GroupingFunction {
    /// The method's name as the CLI and the mask manifest spell it (`tfidf`, `rho1`, …).
    var name: String { get }
    /// The scope the paper (or the method's own paper) implies; the CLI can override it.
    var defaultScope: SelectionScope { get }
    /// Settings that change the scores, written into the manifest (e.g. `units=ids`, `seed=0`).
    var settings: [String: String] { get }
    /// One score per loss token of each example, in loss-token order.
    func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]]
}

extension GroupingFunction {
    /// Scores checked for shape and NaN (the selector's order needs comparable numbers).
    public func checkedScores(_ examples: [GroupingExample], progress: GroupingProgress? = nil) throws -> [[Double]] {
        let s = try scores(examples, progress: progress)
        guard s.count == examples.count else {
            throw GroupingError.invalidExample(example: -1, reason: "\(name) returned \(s.count) score rows for \(examples.count) examples")
        }
        for (e, row) in zip(examples, s) {
            guard row.count == e.lossCount else {
                throw GroupingError.scoreCountMismatch(example: e.index, scores: row.count, lossTokens: e.lossCount)
            }
            if let k = row.firstIndex(where: { $0.isNaN }) {
                throw GroupingError.invalidExample(example: e.index, reason: "\(name) score of loss token \(k) is NaN")
            }
        }
        return s
    }
}
