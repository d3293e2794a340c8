// Where every Llama tensor lives in one flat Float buffer (llm.c's ParameterTensors): Hugging Face
// name, offset, shape and whether weight decay applies. It is the single source for the parameter
// buffer (Models), the gradient buffer and both AdamW moments (same offsets), and for checkpoint
// validation (HFCheckpoint.checkLlama, the GGUF importer). It lives in Checkpoints, not Models,
// because it is pure names and shapes derived from config.json and Checkpoints (below Models)
// validates folders against it; Models only adds the buffers.
//
// Fused views: within a layer q/k/v rows are adjacent (one [qDim+2·kvDim × D] matrix, one matmul)
// and so are gate/up ([2·I × D]). The forward and backward read only `qkv` and `gateUp`; init
// checks the adjacency they rely on instead of assuming it.

public struct LlamaLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var offset: Int
        public var shape: [Int]
        public var count: Int { shape.reduce(1, *) }
        /// Norm weights are 1-D and, as Hugging Face's Trainer groups them, get no weight decay.
        public var isNorm: Bool { shape.count == 1 }
    }

    public struct Layer: Equatable, Sendable {
        public var attnNorm: Int, wq: Int, wk: Int, wv: Int, wo: Int
        public var mlpNorm: Int, wGate: Int, wUp: Int, wDown: Int
        /// Start of the fused [q; k; v] matrix (= wq) and of [gate; up] (= wGate).
        public var qkv: Int { wq }
        public var gateUp: Int { wGate }
    }

    /// Every distinct tensor in buffer order (a tied head is not repeated).
    public let entries: [Entry]
    public let embed: Int, finalNorm: Int, lmHead: Int
    public let layers: [Layer]
    /// Floats in the whole buffer.
    public let count: Int
    public let tied: Bool

    public init(config c: LlamaConfig) {
        let d = c.hiddenSize, qDim = c.numAttentionHeads * c.headDim, kvDim = c.numKeyValueHeads * c.headDim
        let inter = c.intermediateSize
        var entries: [Entry] = []
        var off = 0
        func take(_ name: String, _ shape: [Int]) -> Int {
            let e = Entry(name: name, offset: off, shape: shape)
            entries.append(e)
            off += e.count
            return e.offset
        }
        embed = take("model.embed_tokens.weight", [c.vocabSize, d])
        var ls: [Layer] = []
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
            // The fused views above read k/v and up through q and gate.
            precondition(k == q + qDim * d && v == k + kvDim * d, "q/k/v must be adjacent")
            precondition(u == g + inter * d, "gate/up must be adjacent")
            ls.append(Layer(attnNorm: an, wq: q, wk: k, wv: v, wo: o, mlpNorm: mn, wGate: g, wUp: u, wDown: dn))
        }
        layers = ls
        finalNorm = take("model.norm.weight", [d])
        tied = c.tieWordEmbeddings
        lmHead = tied ? embed : take("lm_head.weight", [c.vocabSize, d])
        count = off
        self.entries = entries
    }

    /// The entry with this Hugging Face name.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
