import Foundation
@testable import Training

/// A bigram softmax model for testing the trainer: logits_j = g_j·W[x, j] + b_j for input token x.
/// W decays; g (a "norm" scale) and b do not. Math in Double from Float parameters; the backward is
/// analytic and checked by finite differences.
final class ToyBigramModel: TrainableModel {
    let vocab: Int
    var params: [Float]
    var grads: [Float]
    var poisonAtCall: Int? = nil     // makes the n-th forward return NaN (for the non-finite test)
    var forwardCalls = 0
    private var last: [TokenizedExample] = []

    init(vocab: Int, seed: UInt64) {
        self.vocab = vocab
        let n = vocab * vocab + 2 * vocab
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        params = (0..<n).map { i in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(Double(s >> 11) / Double(1 << 53)) - 0.5
            return i >= vocab * vocab && i < vocab * vocab + vocab ? 1 + 0.2 * u : 0.5 * u
        }
        grads = [Float](repeating: 0, count: n)
    }

    var parameterCount: Int { params.count }
    var parameterGroups: [ParameterGroup] {
        [ParameterGroup(name: "W", range: 0..<(vocab * vocab), decay: true),
         ParameterGroup(name: "norm", range: (vocab * vocab)..<(vocab * vocab + vocab), decay: false),
         ParameterGroup(name: "bias", range: (vocab * vocab + vocab)..<params.count, decay: false)]
    }
    func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try params.withUnsafeMutableBufferPointer { try body($0) }
    }
    func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try grads.withUnsafeMutableBufferPointer { try body($0) }
    }
    func zeroGradients() { for i in grads.indices { grads[i] = 0 } }

    /// (input, target) pairs of the loss tokens, in batch order.
    static func pairs(_ examples: [TokenizedExample]) -> [(Int, Int)] {
        examples.flatMap { e in (1..<e.ids.count).compactMap { e.lossMask[$0] ? (e.ids[$0 - 1], e.ids[$0]) : nil } }
    }

    static func logits(_ p: [Double], vocab v: Int, x: Int) -> [Double] {
        (0..<v).map { j in p[v * v + j] * p[x * v + j] + p[v * v + v + j] }
    }

    /// Per-loss-token CE in Double for parameters `p` (the finite-difference reference).
    static func losses(_ p: [Double], vocab v: Int, pairs: [(Int, Int)]) -> [Double] {
        pairs.map { x, y in
            let z = logits(p, vocab: v, x: x)
            let m = z.max()!
            let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
            return lse - z[y]
        }
    }

    func forward(_ examples: [TokenizedExample], entropyTopK: Int?) throws -> TokenLosses {
        forwardCalls += 1
        last = examples
        let p = params.map(Double.init)
        var l = ToyBigramModel.losses(p, vocab: vocab, pairs: ToyBigramModel.pairs(examples)).map { Float($0) }
        if let k = poisonAtCall, forwardCalls >= k, !l.isEmpty { l[0] = .nan }
        return TokenLosses(losses: l, probs: l.map { exp(-$0) }, entropies: nil)
    }

    func backward(weights: [Float]) throws {
        let v = vocab
        let p = params.map(Double.init)
        let pr = ToyBigramModel.pairs(last)
        precondition(pr.count == weights.count)
        for ((x, y), w) in zip(pr, weights) {
            let z = ToyBigramModel.logits(p, vocab: v, x: x)
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            for j in 0..<v {
                let d = Double(w) * (e[j] / s - (j == y ? 1 : 0))
                grads[x * v + j] += Float(d * p[v * v + j])
                grads[v * v + j] += Float(d * p[x * v + j])
                grads[v * v + v + j] += Float(d)
            }
        }
    }

    func save(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(params.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: directory.appendingPathComponent("toy.f32"))
    }
}

/// Random tokenised examples over `vocab` with loss on the second half of each (ids only).
func toyDataset(count: Int, vocab: Int, seed: UInt64, minLength: Int = 4, maxLength: Int = 12) -> SFTDataset {
    var s = seed
    func next(_ n: Int) -> Int { s = s &* 6364136223846793005 &+ 1442695040888963407; return Int((s >> 33) % UInt64(n)) }
    let examples = (0..<count).map { i -> TokenizedExample in
        let n = minLength + next(maxLength - minLength + 1)
        let ids = (0..<n).map { _ in next(vocab) }
        let mask = (0..<n).map { $0 >= n / 2 }
        return TokenizedExample(index: i, location: DataLocation(file: "toy", row: i), ids: ids, lossMask: mask)
    }
    return SFTDataset(examples: examples, maxLength: maxLength)
}

func tempDirectory(_ name: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-training-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}
