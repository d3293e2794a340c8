import Foundation

/// The Llama architecture inside a GGUF file, mapped to Hugging Face terms: config from the
/// `llama.*` metadata, tensor names, and the q/k row order.
public enum GGUFLlama {
    /// GGUF tensor name → Hugging Face name, or nil when it has none.
    public static func hfName(_ gguf: String) -> String? {
        let fixed = ["token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
                     "output.weight": "lm_head.weight"]
        if let n = fixed[gguf] { return n }
        let parts = gguf.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), parts[3] == "weight" else { return nil }
        let sub = ["attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
                   "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
                   "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                   "ffn_down": "mlp.down_proj"]
        guard let s = sub[String(parts[2])] else { return nil }
        return "model.layers.\(layer).\(s).weight"
    }

    /// GGUF tensors that carry nothing a Hugging Face folder stores (llama.cpp's precomputed
    /// llama3 rope frequencies: config.json's rope_scaling says the same).
    static let ignoredTensors: Set<String> = ["rope_freqs.weight"]

    public static func config(_ f: GGUFFile) throws -> LlamaConfig {
        let arch = try f.string("general.architecture")
        guard let arch else { throw GGUFError.missingField(file: f.path, field: "general.architecture") }
        guard arch == "llama" else {
            throw GGUFError.unsupported(file: f.path, field: "general.architecture",
                                        reason: "'\(arch)' (only llama can be imported)")
        }
        func need(_ key: String) throws -> Int {
            guard let v = try f.int(key) else { throw GGUFError.missingField(file: f.path, field: key) }
            guard v > 0 else { throw GGUFError.badValue(file: f.path, field: key, reason: "must be positive, got \(v)") }
            return v
        }
        let hidden = try need("llama.embedding_length")
        let heads = try need("llama.attention.head_count")
        let kv = try f.int("llama.attention.head_count_kv") ?? heads
        guard kv > 0, heads % kv == 0 else {
            throw GGUFError.badValue(file: f.path, field: "llama.attention.head_count_kv",
                                     reason: "\(kv) does not divide head_count \(heads)")
        }
        let headDim = try f.int("llama.attention.key_length") ?? f.int("llama.rope.dimension_count") ?? hidden / heads
        guard headDim % 2 == 0 else {
            throw GGUFError.badValue(file: f.path, field: "llama.rope.dimension_count", reason: "\(headDim) is odd")
        }
        let tokens = try f.stringArray("tokenizer.ggml.tokens")
        guard let vocab = try f.int("llama.vocab_size") ?? tokens?.count else {
            throw GGUFError.missingField(file: f.path, field: "llama.vocab_size")
        }
        var scaling: RopeScaling? = nil
        if let type = try f.string("llama.rope.scaling.type"), type != "none" {
            scaling = RopeScaling(ropeType: type, factor: try f.double("llama.rope.scaling.factor") ?? 1,
                                  originalMaxPositionEmbeddings: try f.int("llama.rope.scaling.original_context_length")
                                      ?? need("llama.context_length"))
        }
        // float32 metadata widened to Double, as transformers does (1e-5 reads 9.999999747378752e-06).
        // The config it becomes gets config.json's range checks (fields named as in config.json).
        let config = LlamaConfig(
            vocabSize: vocab, hiddenSize: hidden,
            intermediateSize: try need("llama.feed_forward_length"),
            numHiddenLayers: try need("llama.block_count"),
            numAttentionHeads: heads, numKeyValueHeads: kv, headDim: headDim,
            rmsNormEps: try f.double("llama.attention.layer_norm_rms_epsilon") ?? 1e-5,
            ropeTheta: try f.double("llama.rope.freq_base") ?? 10000,
            ropeScaling: scaling,
            maxPositionEmbeddings: try need("llama.context_length"),
            tieWordEmbeddings: f.tensorInfo("output.weight") == nil,
            bosTokenId: try f.int("tokenizer.ggml.bos_token_id"),
            eosTokenIds: (try f.int("tokenizer.ggml.eos_token_id")).map { [$0] } ?? [],
            modelType: "llama", torchDtype: "float32")
        try config.checkRanges(file: f.path)
        return config
    }

    /// Undoes llama.cpp's rope permutation of q/k rows. llama.cpp's converter interleaves each
    /// head's two rotary halves (row j*half+i → row 2i+j within the head); `rows` is the whole
    /// [nHeads*headDim, cols] matrix.
    public static func unpermuteRows(_ src: UnsafeBufferPointer<Float>, nHeads: Int, cols: Int,
                                     into dst: UnsafeMutableBufferPointer<Float>) {
        let rows = src.count / cols
        let headDim = rows / nHeads, half = headDim / 2
        for h in 0 ..< nHeads {
            for j in 0 ..< 2 {
                for i in 0 ..< half {
                    let from = (h * headDim + 2 * i + j) * cols
                    let to = (h * headDim + j * half + i) * cols
                    _ = UnsafeMutableBufferPointer(rebasing: dst[to ..< to + cols])
                        .update(fromContentsOf: UnsafeBufferPointer(rebasing: src[from ..< from + cols]))
                }
            }
        }
    }
}
