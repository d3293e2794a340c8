// Frequency grouping (§3.3: "tokens that are rarer are considered more important"): a token's score
// is its unigram self-information over the data set's loss tokens, −ln(count/total). The order is
// that of the inverse corpus count; the log makes scores comparable to self-information's.

import Foundation

public struct Frequency: GroupingFunction {
    public init() {}

    public var name: String { "frequency" }
    public var defaultScope: SelectionScope { .sequence }
    public var settings: [String: String] { ["units": "ids", "score": "-ln(count/total)"] }

    /// Counts of each loss-token id over all examples.
    public static func counts(_ examples: [GroupingExample]) -> (counts: [Int: Int], total: Int) {
        var c: [Int: Int] = [:]
        var total = 0
        for e in examples {
            for p in e.lossPositions { c[e.tokens[p], default: 0] += 1 }
            total += e.lossCount
        }
        return (c, total)
    }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        let (c, total) = Frequency.counts(examples)
        let logTotal = Foundation.log(Double(total))
        progress?(examples.count, examples.count)
        return examples.map { e in e.lossIds.map { logTotal - Foundation.log(Double(c[$0]!)) } }
    }
}
