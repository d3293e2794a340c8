// Every activation the backward needs, for one batch shape (llm.c's ActivationTensors), in one
// allocation reused across steps; it grows (reallocates) only when a batch needs more rows than any
// before. Also the backward's scratch rows, and the public Float workspace and gradient buffer.

import Checkpoints
import Foundation
import Tensors

final class Activations<T: GemmScalar> {
    let d: Int, heads: Int, qDim: Int, qkvDim: Int, inter: Int, vocab: Int, layers: Int, half: Int
    let invFreq: [Float]
    private(set) var capacity = 0
    private var storage: UnsafeMutablePointer<T>? = nil

    // Per layer l: residual input res[l] (res[layers] feeds the final norm), norm outputs and their
    // 1/rms, q/k/v after RoPE, attention log-sum-exp per (row, head), attention output, residual after
    // attention, gate/up and the SwiGLU output.
    var res: [UnsafeMutablePointer<T>] = [], h1: [UnsafeMutablePointer<T>] = [], rstd1: [UnsafeMutablePointer<T>] = []
    var qkv: [UnsafeMutablePointer<T>] = [], lse: [UnsafeMutablePointer<T>] = [], attn: [UnsafeMutablePointer<T>] = []
    var mid: [UnsafeMutablePointer<T>] = [], h2: [UnsafeMutablePointer<T>] = [], rstd2: [UnsafeMutablePointer<T>] = []
    var gu: [UnsafeMutablePointer<T>] = [], act: [UnsafeMutablePointer<T>] = []
    // Final norm output per head row, its 1/rms, the logits (overwritten by their gradient).
    // Backward scratch: dx, dh, dqkv, dattn, dgu, dact, dhs (see the accessors below).
    private var single: [String: UnsafeMutablePointer<T>] = [:]
    var hs: UnsafeMutablePointer<T> { single["hs"]! }
    var rstdF: UnsafeMutablePointer<T> { single["rstdF"]! }
    var logits: UnsafeMutablePointer<T> { single["logits"]! }
    var dx: UnsafeMutablePointer<T> { single["dx"]! }
    var dh: UnsafeMutablePointer<T> { single["dh"]! }
    var dqkv: UnsafeMutablePointer<T> { single["dqkv"]! }
    var dattn: UnsafeMutablePointer<T> { single["dattn"]! }
    var dgu: UnsafeMutablePointer<T> { single["dgu"]! }
    var dact: UnsafeMutablePointer<T> { single["dact"]! }
    var dhs: UnsafeMutablePointer<T> { single["dhs"]! }

    // RoPE tables for positions 0..<ropePositions.
    private(set) var ropeCos: [T] = [], ropeSin: [T] = []
    private(set) var ropePositions = 0

    /// The batch of the last forward and its per-loss-row log-sum-exp; nil after a backward.
    var batch: PackedBatch? = nil
    var lossLse: [T] = []

    init(config c: LlamaConfig, invFreq: [Float], rows: Int) {
        d = c.hiddenSize; heads = c.numAttentionHeads; qDim = heads * c.headDim
        qkvDim = qDim + 2 * c.numKeyValueHeads * c.headDim
        inter = c.intermediateSize; vocab = c.vocabSize; layers = c.numHiddenLayers; half = c.headDim / 2
        self.invFreq = invFreq
        reserve(rows: rows)
    }

    deinit { storage?.deallocate() }

    /// Makes room for `rows` activation rows (and as many LM-head rows).
    func reserve(rows requested: Int) {
        let rows = max(requested, 1)
        guard rows > capacity else { return }
        storage?.deallocate()
        let perLayer = rows * (4 * d + 2 + qkvDim + heads + qDim + 3 * inter)
        let total = layers * perLayer + rows * d                      // + res[layers]
            + rows * (d + 1 + vocab)                                  // hs, rstdF, logits
            + rows * (2 * d + qkvDim + qDim + 3 * inter + d)          // backward scratch
        let p = UnsafeMutablePointer<T>.allocate(capacity: total)
        p.initialize(repeating: 0, count: total)
        storage = p
        var off = 0
        func take(_ n: Int) -> UnsafeMutablePointer<T> { defer { off += n }; return p + off }
        res = []; h1 = []; rstd1 = []; qkv = []; lse = []; attn = []; mid = []; h2 = []; rstd2 = []; gu = []; act = []
        for _ in 0..<layers {
            res.append(take(rows * d)); h1.append(take(rows * d)); rstd1.append(take(rows))
            qkv.append(take(rows * qkvDim)); lse.append(take(rows * heads)); attn.append(take(rows * qDim))
            mid.append(take(rows * d)); h2.append(take(rows * d)); rstd2.append(take(rows))
            gu.append(take(rows * 2 * inter)); act.append(take(rows * inter))
        }
        res.append(take(rows * d))
        for (name, n) in [("hs", rows * d), ("rstdF", rows), ("logits", rows * vocab),
                          ("dx", rows * d), ("dh", rows * d), ("dqkv", rows * qkvDim), ("dattn", rows * qDim),
                          ("dgu", rows * 2 * inter), ("dact", rows * inter), ("dhs", rows * d)] {
            single[name] = take(n)
        }
        precondition(off == total)
        capacity = rows
    }

    /// Tabulates RoPE for positions 0..<n exactly as the inference table (RopeTable): angle and
    /// cos/sin rounded to f32, as transformers computes them even for a float64 model.
    func ensureRope(_ n: Int) {
        guard n > ropePositions else { return }
        var c = [T](repeating: 0, count: n * half), s = c
        for p in 0..<n {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[p * half + i] = T(Float(Foundation.cos(Double(angle))))
                s[p * half + i] = T(Float(Foundation.sin(Double(angle))))
            }
        }
        ropeCos = c; ropeSin = s; ropePositions = n
    }
}

/// The Float activations of training passes, allocated once per batch shape and reused.
public final class LlamaWorkspace {
    let activations: Activations<Float>

    /// `rows`: activation rows to reserve; a packed batch needs Σ ⌈length / q⌉·q with q the model's
    /// rowQuantum (`rows(lengths:model:)`). A larger batch grows it once.
    public init(model: Llama, rows: Int) {
        activations = Activations(config: model.config, invFreq: model.rope.invFreq, rows: rows)
    }

    /// Activation rows a packed batch of these sequence lengths needs on `model`.
    public static func rows(lengths: [Int], model: Llama) -> Int {
        PackedBatch.rows(lengths: lengths, quantum: model.rowQuantum)
    }

    /// An upper bound for any model (every sequence padded to the largest calibration quantum).
    public static func rows(lengths: [Int]) -> Int {
        PackedBatch.rows(lengths: lengths, quantum: GemmCalibration.candidates.last!)
    }

    /// Rows currently reserved.
    public var capacity: Int { activations.capacity }
}

/// A flat Float buffer in the parameters' layout: d loss / d parameter, accumulated by
/// trainingBackward. A tied head's gradient is the embedding's (one tensor, both uses summed).
public final class LlamaGradients {
    public let layout: LlamaLayout
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(layout: LlamaLayout) {
        self.layout = layout
        count = layout.count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(model: Llama) { self.init(layout: model.parameters.layout) }

    deinit { base.deallocate() }

    public func zero() { base.update(repeating: 0, count: count) }

    /// The gradient of one tensor by Hugging Face name.
    public func values(of name: String) -> [Float]? {
        guard let e = layout.entry(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: base + e.offset, count: e.count))
    }

    /// Every tensor's gradient with its Hugging Face name (for grads.safetensors).
    public func namedTensors() -> [NamedTensor] {
        layout.entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: Array(UnsafeBufferPointer(start: base + $0.offset, count: $0.count))) }
    }
}
