import Foundation
import Tensors

/// The order examples are seen in and how an optimiser batch splits into micro-batches.
public enum Packing {
    /// A permutation of 0..<count for (seed, epoch): Fisher–Yates driven by the counter-based Philox
    /// stream `epoch`, so any epoch's order is recomputed from the seed alone (nothing to checkpoint).
    public static func epochOrder(count: Int, seed: UInt64, epoch: Int, shuffle: Bool = true) -> [Int] {
        var order = Array(0..<count)
        guard shuffle, count > 1 else { return order }
        let rng = Philox4x32(seed: seed, stream: UInt64(epoch))
        var draw: UInt64 = 0
        for i in stride(from: count - 1, to: 0, by: -1) {
            // 64-bit draw reduced by multiply-shift; bias ≤ count/2^64, far below anything measurable.
            let hi = UInt64(rng.word(draw)), lo = UInt64(rng.word(draw + 1))
            draw += 2
            let r = (hi << 32) | lo
            let j = Int(r.multipliedFullWidth(by: UInt64(i + 1)).high)
            order.swapAt(i, j)
        }
        return order
    }

    /// Splits `items` (each with its number of positions) into consecutive micro-batches of at most
    /// `tokenBudget` positions, in the given order (deterministic; an item larger than the budget
    /// gets a micro-batch of its own). Returns index ranges into `items`.
    public static func microBatches(lengths: [Int], tokenBudget: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, used = 0
        for (i, n) in lengths.enumerated() {
            if i > start && used + n > tokenBudget {
                out.append(start..<i); start = i; used = 0
            }
            used += n
        }
        if start < lengths.count { out.append(start..<lengths.count) }
        return out
    }
}
