// Random grouping, the control: each loss token gets a uniform score from Tensors' counter-based
// Philox stream (seed, stream = example index), value = token index. An example's scores depend only
// on the seed and its own index, never on which other examples are scored or in what order.

import Tensors

public struct RandomGroups: GroupingFunction {
    public var seed: UInt64

    public init(seed: UInt64 = 0) { self.seed = seed }

    public var name: String { "random" }
    public var defaultScope: SelectionScope { .sequence }
    public var settings: [String: String] { ["seed": String(seed)] }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        let out = examples.map { e -> [Double] in
            let rng = Philox4x32(seed: seed, stream: UInt64(e.index))
            // 32 random bits per token: in [0, 1), ties only when two words coincide.
            return (0..<e.lossCount).map { Double(rng.word(UInt64($0))) / 4_294_967_296.0 }
        }
        progress?(examples.count, examples.count)
        return out
    }
}
