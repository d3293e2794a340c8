// A Llama (transformers' LlamaForCausalLM, f32): config → embedding → layers of (RMSNorm, causal GQA
// attention with RoPE, RMSNorm, SwiGLU MLP) → final RMSNorm → tied or untied head. Where each piece
// lives:
//   LlamaLayout (Checkpoints)  names, offsets, shapes of every tensor; LlamaParameters the buffer
//   Segments / InferencePass   inference batch layout and the pass; KVCache; Generation (greedy)
//   Embedding, RMSNorm, Rope, Attention, MLP, Head   each block's inference and training forward
//                              and its backward side by side
//   TrainingBatch, Activations, TrainingEngine   packed training batches, the kept activations
//                              (workspace) and gradients, trainingForward / trainingBackward
//
// Invariance by construction. OpenBLAS rows are bit-stable only at the same position modulo
// rowQuantum (calibrated per model on the running kernel) in calls whose row count is a multiple of
// it (GemmTests). So in a (padded) pass,
// the token at absolute position p of a segment always sits at an activation row ≡ p (mod quantum),
// segments of different offsets packed to fill each other's gaps and the row count padded; the
// LM-head input places requested rows the same way; and
// attention runs on absolute query blocks of `queryBlock` positions with fixed-shape sgemm calls
// (keys 0..<block end, copied contiguous, zero beyond the sequence). A token's logits are then a
// function of the tokens up to it only: the same bits whether it is computed in one pass, token by
// token through the cache, after a truncated cache, as one branch among many, in a padded batch, or
// with any SFTGO_THREADS. generate() runs its decode steps as single unpadded rows for speed (its
// logits may differ from forward()'s in the last bits; greedy ids are tested against transformers).

import Checkpoints
import Foundation
import Tensors

public final class Llama {
    public let config: LlamaConfig
    public let parameters: LlamaParameters
    let rope: RopeTable
    let d: Int, qDim: Int, kvDim: Int, qkvDim: Int, inter: Int, headDim: Int, heads: Int, kvHeads: Int
    let eps: Float
    let scale: Float
    /// Rows of a padded pass (and of a training batch) are laid out modulo this many
    /// (GemmCalibration over this model's product shapes on the running OpenBLAS kernel).
    public let rowQuantum: Int
    /// Query positions per attention task (absolute blocks; each block's products are their own
    /// fixed-shape calls, so this does not depend on rowQuantum).
    static let queryBlock = 48

    public convenience init(config: LlamaConfig, tensors: [String: NamedTensor]) throws {
        try self.init(config: config) { try $0.load(tensors) }
    }

    /// Checks the config, lays out the parameter buffer and lets `load` fill it.
    init(config: LlamaConfig, load: (LlamaParameters) throws -> Void) throws {
        guard LlamaConfig.supportedModelTypes.contains(config.modelType) else {
            throw ModelError.unsupported("model_type '\(config.modelType)'")
        }
        guard config.numAttentionHeads > 0, config.numKeyValueHeads > 0,
              config.numAttentionHeads % config.numKeyValueHeads == 0, config.headDim % 2 == 0 else {
            throw ModelError.unsupported("heads \(config.numAttentionHeads)/\(config.numKeyValueHeads), head_dim \(config.headDim)")
        }
        self.config = config
        d = config.hiddenSize
        headDim = config.headDim
        heads = config.numAttentionHeads
        kvHeads = config.numKeyValueHeads
        qDim = heads * headDim
        kvDim = kvHeads * headDim
        qkvDim = qDim + 2 * kvDim
        inter = config.intermediateSize
        eps = Float(config.rmsNormEps)
        scale = 1 / Float(headDim).squareRoot()
        rope = try RopeTable(config: config)
        rowQuantum = Llama.calibration(config: config).rowQuantum
        parameters = LlamaParameters(config: config)
        try load(parameters)
    }

    /// Weights are decoded from the mapped safetensors straight into the parameter buffer.
    public convenience init(directory: URL) throws { try self.init(folder: ModelFolder(directory: directory)) }

    public convenience init(folder: ModelFolder) throws {
        let (config, files) = try folder.llama()
        try self.init(config: config) { try $0.load(from: files) }
    }

    /// The row quantum for every product a pass issues (attention's fixed query-block calls do not
    /// depend on it).
    public static func calibration(config c: LlamaConfig) -> GemmCalibration {
        let d = c.hiddenSize, qDim = c.numAttentionHeads * c.headDim, kvDim = c.numKeyValueHeads * c.headDim
        return GemmCalibration.forShapes([
            GemmShape(n: qDim + 2 * kvDim, k: d), GemmShape(n: d, k: qDim),
            GemmShape(n: 2 * c.intermediateSize, k: d), GemmShape(n: d, k: c.intermediateSize),
            GemmShape(n: c.vocabSize, k: d),
        ])
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.numHiddenLayers, kvDim: kvDim, capacity: capacity)
    }

    /// Throws for ids outside the vocabulary (forward functions assume valid ids).
    public func validate(_ tokens: [Int]) throws {
        for t in tokens where t < 0 || t >= config.vocabSize {
            throw ModelError.tokenOutOfRange(id: t, vocabSize: config.vocabSize)
        }
    }

    // MARK: helpers

    /// Runs body over rows in parallel when there is enough work.
    @inline(__always) func forRows(_ rows: [Int], _ body: (Int) -> Void) {
        if rows.count < 8 { for r in rows { body(r) }; return }
        ThreadPool.forEachSlice(rows.count) { range in for i in range { body(rows[i]) } }
    }

    @inline(__always) func forRange(_ n: Int, _ body: (Int) -> Void) {
        if n < 8 { for i in 0..<n { body(i) }; return }
        ThreadPool.forEachSlice(n) { range in for i in range { body(i) } }
    }
}

/// A zero-initialised scratch array (explicitly freed; no per-element allocation in hot loops).
final class Buffer {
    let p: UnsafeMutablePointer<Float>
    init(_ n: Int) {
        p = .allocate(capacity: max(n, 1))
        p.initialize(repeating: 0, count: max(n, 1))
    }
    func free() { p.deallocate() }
}

/// Index of the largest value; ties go to the lowest index (torch.argmax).
public func argmax(_ v: [Float]) -> Int {
    v.withUnsafeBufferPointer { $0.isEmpty ? 0 : Kernels.argmax($0.baseAddress!, $0.count) }
}
