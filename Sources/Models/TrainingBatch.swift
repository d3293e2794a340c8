// The training-side view of a batch: sequences packed into activation rows. Positions restart at 0
// per sequence and attention never crosses sequences. Every sequence starts on a row that is a
// multiple of the model's rowQuantum and the row count is padded to one, and each sequence's loss rows go
// to LM-head rows from a quantum boundary too — the rule that makes a sequence's forward bits the
// same alone or packed with others (see Gemm). Padding rows hold zeros and carry no gradient.

import Tensors

/// One training example, positions restart at 0; attention never crosses sequences in a packed batch.
public struct TrainingSequence: Sendable, Equatable {
    /// Input ids.
    public var tokens: [Int]
    /// Same count; targets[t] is the id predicted from position t (normally tokens[t+1]) or -1 = no loss.
    public var targets: [Int]
    public init(tokens: [Int], targets: [Int]) {
        self.tokens = tokens
        self.targets = targets
    }
}

/// One entry per loss position, in batch order (sequence, then position).
public struct TokenStatistics: Sendable, Equatable {
    /// −log p(target)
    public var losses: [Float]
    /// p(target)
    public var probs: [Float]
    /// Normalised top-k entropy (CrossEntropy.topKEntropy), only when asked for.
    public var entropies: [Float]?
}

public enum TrainingBatchError: Error, Equatable, CustomStringConvertible {
    case empty
    case badSequence(index: Int, reason: String)
    case weightCount(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .empty: return "training batch has no tokens"
        case .badSequence(let i, let r): return "training sequence \(i): \(r)"
        case .weightCount(let e, let f): return "\(f) per-token weights for \(e) loss tokens"
        }
    }
}

/// Row placement of a packed batch.
struct PackedBatch {
    struct Placed { var row: Int; var count: Int; var headRow: Int }
    struct LossRow { var row: Int; var slot: Int; var target: Int }
    var sequences: [Placed] = []
    /// Activation rows (padded to the quantum) and LM-head rows (padded too).
    var rows = 0, headRows = 0
    var tokenOfRow: [Int] = []   // -1 on padding rows
    var posOfRow: [Int] = []
    var loss: [LossRow] = []     // batch order
    var maxLength = 0

    init(_ batch: [TrainingSequence], vocab: Int, quantum q: Int) throws {
        func roundUp(_ n: Int) -> Int { (n + q - 1) / q * q }
        for (i, s) in batch.enumerated() {
            guard s.tokens.count == s.targets.count else {
                throw TrainingBatchError.badSequence(index: i, reason: "\(s.tokens.count) tokens but \(s.targets.count) targets")
            }
            if let t = s.tokens.first(where: { $0 < 0 || $0 >= vocab }) {
                throw TrainingBatchError.badSequence(index: i, reason: "token id \(t) outside 0..<\(vocab)")
            }
            if let t = s.targets.first(where: { $0 < -1 || $0 >= vocab }) {
                throw TrainingBatchError.badSequence(index: i, reason: "target id \(t) outside -1..<\(vocab)")
            }
            let nLoss = s.targets.filter { $0 >= 0 }.count
            sequences.append(Placed(row: rows, count: s.tokens.count, headRow: headRows))
            var slot = headRows   // consecutive from the sequence's first head row
            for (t, target) in s.targets.enumerated() where target >= 0 {
                loss.append(LossRow(row: rows + t, slot: slot, target: target))
                slot += 1
            }
            rows += roundUp(s.tokens.count)
            headRows += roundUp(nLoss)
            maxLength = max(maxLength, s.tokens.count)
        }
        guard rows > 0 else { throw TrainingBatchError.empty }
        tokenOfRow = [Int](repeating: -1, count: rows)
        posOfRow = [Int](repeating: 0, count: rows)
        for (s, p) in zip(batch, sequences) {
            for (t, id) in s.tokens.enumerated() { tokenOfRow[p.row + t] = id; posOfRow[p.row + t] = t }
        }
    }

    /// Rows a batch of these lengths needs (for sizing a workspace).
    static func rows(lengths: [Int], quantum q: Int) -> Int {
        lengths.reduce(0) { $0 + ($1 + q - 1) / q * q }
    }
}
