// Per-token cross-entropy −ln p(token | prefix) of every loss token under a frozen model: the
// score of self-information grouping and the reference losses CE(φ) of Rho-1 (Eq. 9). Uses the
// inference forward of Models (each sequence alone, no padding effects: forwardBatch is bit-equal
// to a single-sequence forward), asking only for the logit rows that predict loss tokens.

import Models
import Tensors

public enum FrozenLosses {
    /// Logit rows per forward call: bounds the logits buffer (rows × vocab floats).
    public static let defaultRowBudget = 1024

    /// Losses of each example's loss tokens, in loss-token order.
    public static func compute(model: Llama, examples: [GroupingExample], rowBudget: Int = defaultRowBudget,
                               progress: GroupingProgress? = nil) throws -> [[Float]] {
        let vocab = model.config.vocabSize
        for e in examples {
            try model.validate(e.tokens)
            if let p = e.lossPositions.first, p < 1 {
                throw GroupingError.invalidExample(example: e.index, reason: "loss token at position 0 has no prefix to predict it from")
            }
        }
        var out = [[Float]](repeating: [], count: examples.count)
        var start = 0
        while start < examples.count {
            // Group consecutive examples up to the row budget (at least one example per pass).
            var end = start, rows = 0
            while end < examples.count, end == start || rows + examples[end].lossCount <= rowBudget {
                rows += examples[end].lossCount
                end += 1
            }
            let group = Array(examples[start..<end])
            let logits = model.forwardBatch(group.map { $0.tokens },
                                            logitsFor: group.map { $0.lossPositions.map { $0 - 1 } })
            for (k, e) in group.enumerated() {
                out[start + k] = logits[k].withUnsafeBufferPointer { p in
                    e.lossPositions.enumerated().map { r, pos in
                        let row = p.baseAddress! + r * vocab
                        return CrossEntropy.forward(UnsafePointer(row), vocab, target: e.tokens[pos]).loss
                    }
                }
            }
            start = end
            progress?(start, examples.count)
        }
        return out
    }
}
