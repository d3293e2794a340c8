// One token's log-probability in a logits row and lm-eval's greedy check, through the shared kernel
// (Tensors' CrossEntropy): the scorer, `sftgo logprobs` and the training loss give the same bits.
import Tensors

struct RowScore {
    var logprob: Float
    var isArgmax: Bool
}

/// Scores `target` in `row` (a vocabulary-sized slice).
@inline(__always)
func scoreRow(_ row: UnsafeBufferPointer<Float>, target: Int) -> RowScore {
    let s = CrossEntropy.logProb(row.baseAddress!, row.count, target: target)
    return RowScore(logprob: s.logprob, isArgmax: s.isArgmax)
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
