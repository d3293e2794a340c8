// Log-softmax of one logits row at one token, in float32 as torch does it on CPU
// (x - max - log(sum(exp(x - max)))), and the greedy check with ties to the lowest id.
import Foundation

struct RowScore {
    var logprob: Float
    var isArgmax: Bool
}

/// Scores `target` in `row` (a vocabulary-sized slice). One pass for max/argmax, one for the sum.
@inline(__always)
func scoreRow(_ row: UnsafeBufferPointer<Float>, target: Int) -> RowScore {
    let n = row.count
    var maxValue = row[0]
    var argmax = 0
    for i in 1..<n where row[i] > maxValue {  // strict: the first maximum wins
        maxValue = row[i]
        argmax = i
    }
    // Sum of exp(x - max) in float32, 8 independent partial sums (vectorisable, fixed order).
    var partial = SIMD8<Float>(repeating: 0)
    var i = 0
    let base = row.baseAddress!
    while i + 8 <= n {
        var v = SIMD8<Float>(repeating: 0)
        for l in 0..<8 { v[l] = expf(base[i + l] - maxValue) }
        partial += v
        i += 8
    }
    var sum = partial.sum()
    while i < n { sum += expf(base[i] - maxValue); i += 1 }
    let logprob = (row[target] - maxValue) - logf(sum)
    return RowScore(logprob: logprob, isArgmax: argmax == target)
}

/// Sum of per-token log-probabilities in float32 (in token order), returned as Double.
func scoreContinuation(rows: UnsafeBufferPointer<Float>, vocab: Int, targets: [Int]) -> (Double, Bool) {
    precondition(rows.count == vocab * targets.count)
    var total: Float = 0
    var greedy = true
    for (k, t) in targets.enumerated() {
        let row = UnsafeBufferPointer(rebasing: rows[(k * vocab)..<((k + 1) * vocab)])
        let s = scoreRow(row, target: t)
        total += s.logprob
        greedy = greedy && s.isArgmax
    }
    return (Double(total), greedy)
}
