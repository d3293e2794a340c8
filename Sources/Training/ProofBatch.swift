import Checkpoints
import Foundation

/// The batch of `sftgo-bench grad` (issue 17's proof interface): a safetensors file of integer
/// [B, T] tensors `input_ids`, `attention_mask` (right padding), `prompt_mask`, `important_mask`,
/// `loss_mask`. `loss_mask[b, t] = 1` makes token t a target predicted from position t − 1, which is
/// exactly a TokenizedExample's loss mask, so row b becomes example b (ids and mask cut at the
/// attention length) and `important_mask[b, t]` is that target's group flag. `prompt_mask` is checked
/// (shape, 0/1) but does not enter the loss: loss_mask alone selects targets, as in the trainer.
public struct ProofBatch {
    public static let tensorNames = ["input_ids", "attention_mask", "prompt_mask", "important_mask", "loss_mask"]

    /// One example per row (index b, location "FILE row b").
    public var examples: [TokenizedExample]
    /// Per example, one flag per loss token (ImportantMasks.precomputed keyed by row).
    public var important: [Int: [Bool]]
    public var rows: Int, columns: Int

    public var masks: ImportantMasks { .precomputed(important) }
    public var lossTokenCount: Int { examples.reduce(0) { $0 + $1.lossTokenCount } }

    /// Reads and checks the file; every problem names the tensor (and row/column) at fault.
    public init(file path: String, vocabSize: Int) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch {
            throw ProofBatchError(file: path, problem: "not a readable safetensors file: \(error)")
        }
        var values: [String: (shape: [Int], values: [Int])] = [:]
        for name in Self.tensorNames {
            guard let e = file.entries[name] else {
                throw ProofBatchError(file: path, problem: "tensor '\(name)' is missing (needs \(Self.tensorNames.joined(separator: ", ")))")
            }
            do { values[name] = (e.shape, try file.integers(name)) } catch {
                throw ProofBatchError(file: path, problem: "tensor '\(name)' has dtype \(e.dtype); an integer tensor (I64) is needed")
            }
        }
        try self.init(tensors: values, vocabSize: vocabSize, source: path)
    }

    /// Same checks on already decoded tensors (name → shape and row-major values).
    public init(tensors: [String: (shape: [Int], values: [Int])], vocabSize: Int, source: String) throws {
        func fail(_ s: String) -> ProofBatchError { ProofBatchError(file: source, problem: s) }
        guard let ids = tensors["input_ids"] else { throw fail("tensor 'input_ids' is missing") }
        guard ids.shape.count == 2, ids.shape[0] >= 1, ids.shape[1] >= 2 else {
            throw fail("tensor 'input_ids' has shape \(ids.shape); [B, T] with B ≥ 1 and T ≥ 2 is needed")
        }
        let (B, T) = (ids.shape[0], ids.shape[1])
        var m: [String: [Int]] = [:]
        for name in Self.tensorNames.dropFirst() {
            guard let t = tensors[name] else { throw fail("tensor '\(name)' is missing") }
            guard t.shape == [B, T] else { throw fail("tensor '\(name)' has shape \(t.shape), input_ids has [\(B), \(T)]") }
            if let i = t.values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw fail("tensor '\(name)'[\(i / T), \(i % T)] = \(t.values[i]); masks hold 0 or 1")
            }
            m[name] = t.values
        }
        let attention = m["attention_mask"]!, loss = m["loss_mask"]!, imp = m["important_mask"]!
        var examples: [TokenizedExample] = [], important: [Int: [Bool]] = [:]
        for b in 0..<B {
            let row = b * T
            let length = (0..<T).first { attention[row + $0] == 0 } ?? T
            if let t = (length..<T).first(where: { attention[row + $0] == 1 }) {
                throw fail("tensor 'attention_mask' row \(b) has a 1 at column \(t) after padding at \(length); right padding is needed")
            }
            guard length >= 2 else { throw fail("tensor 'attention_mask' row \(b) keeps \(length) tokens; at least 2 are needed") }
            if let t = (0..<length).first(where: { ids.values[row + $0] < 0 || ids.values[row + $0] >= vocabSize }) {
                throw fail("tensor 'input_ids'[\(b), \(t)] = \(ids.values[row + t]) is outside the vocabulary 0..<\(vocabSize)")
            }
            if loss[row] == 1 { throw fail("tensor 'loss_mask'[\(b), 0] = 1: the first token has no position to be predicted from") }
            if let t = (length..<T).first(where: { loss[row + $0] == 1 }) {
                throw fail("tensor 'loss_mask'[\(b), \(t)] = 1 on padding (attention_mask is 0 there)")
            }
            let lossMask = (0..<length).map { loss[row + $0] == 1 }
            examples.append(TokenizedExample(index: b, location: DataLocation(file: source, row: b),
                                             ids: Array(ids.values[row..<(row + length)]), lossMask: lossMask))
            important[b] = (0..<length).filter { lossMask[$0] }.map { imp[row + $0] == 1 }
        }
        guard examples.contains(where: { $0.lossTokenCount > 0 }) else {
            throw fail("tensor 'loss_mask' selects no target token in any row")
        }
        self.examples = examples; self.important = important; rows = B; columns = T
    }
}

public struct ProofBatchError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String
    public var description: String { "batch \(file): \(problem)" }
}
