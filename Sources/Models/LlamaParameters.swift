// All Llama weights in one flat Float32 buffer with per-tensor offsets (llm.c style): a trainer
// adds one gradient buffer of the same layout and one AdamW state pair, and walks both by offset.
// Within a layer, q/k/v rows are adjacent (one [qDim+2·kvDim × D] matrix, one matmul) and so are
// gate/up ([2·I × D]); each remains addressable by its own offset.

import Checkpoints
import Tensors

public struct LlamaLayerOffsets {
    public var attnNorm: Int, wq: Int, wk: Int, wv: Int, wo: Int
    public var mlpNorm: Int, wGate: Int, wUp: Int, wDown: Int
}

public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case unsupported(String)
    case tokenOutOfRange(id: Int, vocabSize: Int)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "checkpoint has no tensor '\(n)'"
        case .shapeMismatch(let n, let e, let f): return "tensor '\(n)' has shape \(f), expected \(e)"
        case .unsupported(let s): return "unsupported model: \(s)"
        case .tokenOutOfRange(let id, let v): return "token id \(id) outside the vocabulary 0..<\(v)"
        }
    }
}

public final class LlamaParameters {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>
    public let embed: Int, finalNorm: Int, lmHead: Int
    public let layers: [LlamaLayerOffsets]
    /// (HF name, offset, shape) of every distinct tensor, in buffer order.
    public let entries: [(name: String, offset: Int, shape: [Int])]

    public init(config c: LlamaConfig) {
        let d = c.hiddenSize, qDim = c.numAttentionHeads * c.headDim, kvDim = c.numKeyValueHeads * c.headDim
        let inter = c.intermediateSize
        var entries: [(String, Int, [Int])] = []
        var off = 0
        func take(_ name: String, _ shape: [Int]) -> Int {
            let o = off
            entries.append((name, o, shape))
            off += shape.reduce(1, *)
            return o
        }
        embed = take("model.embed_tokens.weight", [c.vocabSize, d])
        var ls: [LlamaLayerOffsets] = []
        for i in 0..<c.numHiddenLayers {
            let p = "model.layers.\(i)."
            let an = take(p + "input_layernorm.weight", [d])
            let q = take(p + "self_attn.q_proj.weight", [qDim, d])
            let k = take(p + "self_attn.k_proj.weight", [kvDim, d])
            let v = take(p + "self_attn.v_proj.weight", [kvDim, d])
            let o = take(p + "self_attn.o_proj.weight", [d, qDim])
            let mn = take(p + "post_attention_layernorm.weight", [d])
            let g = take(p + "mlp.gate_proj.weight", [inter, d])
            let u = take(p + "mlp.up_proj.weight", [inter, d])
            let dn = take(p + "mlp.down_proj.weight", [d, inter])
            ls.append(LlamaLayerOffsets(attnNorm: an, wq: q, wk: k, wv: v, wo: o, mlpNorm: mn, wGate: g, wUp: u, wDown: dn))
        }
        layers = ls
        finalNorm = take("model.norm.weight", [d])
        lmHead = c.tieWordEmbeddings ? embed : take("lm_head.weight", [c.vocabSize, d])
        count = off
        self.entries = entries.map { (name: $0.0, offset: $0.1, shape: $0.2) }
        base = .allocate(capacity: max(off, 1))
        base.initialize(repeating: 0, count: max(off, 1))
    }

    deinit { base.deallocate() }

    /// Copies every tensor in, checking names and shapes.
    public func load(_ tensors: [String: NamedTensor]) throws {
        for e in entries {
            guard let t = tensors[e.name] else { throw ModelError.missingTensor(e.name) }
            guard t.shape == e.shape, t.values.count == e.shape.reduce(1, *) else {
                throw ModelError.shapeMismatch(tensor: e.name, expected: e.shape, found: t.shape)
            }
            t.values.withUnsafeBufferPointer { (base + e.offset).update(from: $0.baseAddress!, count: $0.count) }
        }
    }

    /// Decodes every tensor straight from the checkpoint's memory-mapped files into its slot, so the
    /// weights are never held twice (HFCheckpoint.open gives `files`). Tensors the layout does not
    /// use, such as a tied checkpoint's `lm_head.weight`, are not read.
    public func load(from files: [String: SafetensorsFile]) throws {
        for e in entries {
            guard let file = files[e.name], let t = file.entries[e.name] else { throw ModelError.missingTensor(e.name) }
            guard t.shape == e.shape else {
                throw ModelError.shapeMismatch(tensor: e.name, expected: e.shape, found: t.shape)
            }
            try file.read(e.name, into: UnsafeMutableBufferPointer(start: base + e.offset, count: t.elementCount))
        }
    }

    /// The tensors as NamedTensors (a tied head is not repeated).
    public func namedTensors() -> [NamedTensor] {
        entries.map { e in
            NamedTensor(name: e.name, shape: e.shape,
                        values: Array(UnsafeBufferPointer(start: base + e.offset, count: e.shape.reduce(1, *))))
        }
    }

    @inline(__always) public subscript(offset: Int) -> UnsafeMutablePointer<Float> { base + offset }
}
