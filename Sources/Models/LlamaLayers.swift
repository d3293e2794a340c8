import CBLAS
import Checkpoints
import Foundation

/// Errors raised while assembling a model from a checkpoint.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case unsupported(String)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "checkpoint has no tensor '\(n)'"
        case .shapeMismatch(let n, let e, let f):
            return "tensor '\(n)' has shape \(f), the config needs \(e)"
        case .unsupported(let what): return "unsupported model: \(what)"
        }
    }
}

/// One decoder layer's weights, HF layout ([out, in] for linear maps).
struct LayerWeights {
    var q, k, v, o, gate, up, down, inputNorm, postNorm: [Float]
}

struct LlamaWeights {
    var embedding: [Float]
    var layers: [LayerWeights]
    var finalNorm: [Float]
    /// The LM head; the embedding itself when tied.
    var lmHead: [Float]

    init(config c: LlamaConfig, tensors: [String: NamedTensor]) throws {
        guard c.numAttentionHeads % c.numKeyValueHeads == 0 else {
            throw ModelError.unsupported(
                "\(c.numAttentionHeads) heads not divisible by \(c.numKeyValueHeads) KV heads")
        }
        func take(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let t = tensors[name] else { throw ModelError.missingTensor(name) }
            guard t.shape == shape else {
                throw ModelError.shapeMismatch(tensor: name, expected: shape, found: t.shape)
            }
            return t.values
        }
        let d = c.hiddenSize, hd = c.headDim, ff = c.intermediateSize
        let qDim = c.numAttentionHeads * hd, kvDim = c.numKeyValueHeads * hd
        embedding = try take("model.embed_tokens.weight", [c.vocabSize, d])
        layers = try (0..<c.numHiddenLayers).map { i in
            let p = "model.layers.\(i)."
            return LayerWeights(
                q: try take(p + "self_attn.q_proj.weight", [qDim, d]),
                k: try take(p + "self_attn.k_proj.weight", [kvDim, d]),
                v: try take(p + "self_attn.v_proj.weight", [kvDim, d]),
                o: try take(p + "self_attn.o_proj.weight", [d, qDim]),
                gate: try take(p + "mlp.gate_proj.weight", [ff, d]),
                up: try take(p + "mlp.up_proj.weight", [ff, d]),
                down: try take(p + "mlp.down_proj.weight", [d, ff]),
                inputNorm: try take(p + "input_layernorm.weight", [d]),
                postNorm: try take(p + "post_attention_layernorm.weight", [d]))
        }
        finalNorm = try take("model.norm.weight", [d])
        if c.tieWordEmbeddings {
            lmHead = embedding
        } else {
            lmHead = try take("lm_head.weight", [c.vocabSize, d])
        }
    }
}

/// Keys and values of every layer for positions 0..<count (capacity grows on demand).
public final class KVCache {
    public internal(set) var count: Int = 0
    let kvDim: Int
    var capacity: Int
    var keys: [[Float]]
    var values: [[Float]]

    init(layers: Int, kvDim: Int, capacity: Int) {
        self.kvDim = kvDim
        self.capacity = max(capacity, 1)
        keys = Array(repeating: [Float](repeating: 0, count: self.capacity * kvDim), count: layers)
        values = keys
    }

    /// Forgets every position from `n` on (e.g. back to a shared prefix).
    public func truncate(to n: Int) {
        precondition(n >= 0 && n <= count, "truncate(to: \(n)) on a cache of \(count)")
        count = n
    }

    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCap = max(needed, capacity * 2)
        for l in keys.indices {
            keys[l] += [Float](repeating: 0, count: (newCap - capacity) * kvDim)
            values[l] += [Float](repeating: 0, count: (newCap - capacity) * kvDim)
        }
        capacity = newCap
    }

    func write(layer: Int, at position: Int, keys k: [Float], values v: [Float], fromRow: Int,
               rows: Int) {
        let n = rows * kvDim
        keys[layer].withUnsafeMutableBufferPointer { dst in
            k.withUnsafeBufferPointer { src in
                (dst.baseAddress! + position * kvDim).update(from: src.baseAddress! + fromRow * kvDim, count: n)
            }
        }
        values[layer].withUnsafeMutableBufferPointer { dst in
            v.withUnsafeBufferPointer { src in
                (dst.baseAddress! + position * kvDim).update(from: src.baseAddress! + fromRow * kvDim, count: n)
            }
        }
    }
}

/// Rotary position embedding, transformers' rotate_half convention, with llama3 frequency scaling.
struct RotaryEmbedding {
    let headDim: Int
    let invFreq: [Double]

    init(config c: LlamaConfig) {
        headDim = c.headDim
        let half = c.headDim / 2
        var f = (0..<half).map { i in 1 / pow(c.ropeTheta, Double(2 * i) / Double(c.headDim)) }
        if let s = c.ropeScaling, s.ropeType == "llama3" {
            let old = Double(s.originalMaxPositionEmbeddings)
            let lowWavelen = old / s.lowFreqFactor, highWavelen = old / s.highFreqFactor
            f = f.map { inv in
                let wavelen = 2 * Double.pi / inv
                if wavelen > lowWavelen { return inv / s.factor }
                if wavelen < highWavelen { return inv }
                let smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor)
                return (1 - smooth) * inv / s.factor + smooth * inv
            }
        }
        invFreq = f
    }

    /// Rotates every head of every row in place; row r sits at positions[r].
    func apply(_ x: inout [Float], positions: [Int], heads: Int) {
        let half = headDim / 2
        let rowDim = heads * headDim
        var cosv = [Float](repeating: 0, count: half), sinv = cosv
        x.withUnsafeMutableBufferPointer { xb in
            for (r, pos) in positions.enumerated() {
                for i in 0..<half {
                    let a = Double(pos) * invFreq[i]
                    cosv[i] = Float(cos(a)); sinv[i] = Float(sin(a))
                }
                for h in 0..<heads {
                    let p = xb.baseAddress! + r * rowDim + h * headDim
                    for i in 0..<half {
                        let x0 = p[i], x1 = p[i + half]
                        p[i] = x0 * cosv[i] - x1 * sinv[i]
                        p[i + half] = x1 * cosv[i] + x0 * sinv[i]
                    }
                }
            }
        }
    }
}

/// y = x · Wᵀ (+ y when accumulating), W in HF [out, in] layout.
func linear(_ x: [Float], _ w: [Float], into y: inout [Float], rows: Int, inDim: Int, outDim: Int,
            accumulate: Bool = false) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
                1, x, Int32(inDim), w, Int32(inDim), accumulate ? 1 : 0, &y, Int32(outDim))
}

/// RMSNorm in float32 as transformers computes it: x · rsqrt(mean(x²) + eps) · weight.
func rmsNorm(_ x: [Float], _ weight: [Float], into y: inout [Float], rows: Int, dim: Int, eps: Float) {
    x.withUnsafeBufferPointer { xb in
        y.withUnsafeMutableBufferPointer { yb in
            for r in 0..<rows {
                let p = xb.baseAddress! + r * dim
                var ss: Float = 0
                for j in 0..<dim { ss += p[j] * p[j] }
                let inv = 1 / (ss / Float(dim) + eps).squareRoot()
                let o = yb.baseAddress! + r * dim
                for j in 0..<dim { o[j] = weight[j] * (p[j] * inv) }
            }
        }
    }
}

/// gate ← silu(gate) · up.
func swiglu(_ gate: inout [Float], _ up: [Float]) {
    gate.withUnsafeMutableBufferPointer { g in
        up.withUnsafeBufferPointer { u in
            for i in 0..<g.count {
                let a = g[i]
                g[i] = a / (1 + expf(-a)) * u[i]
            }
        }
    }
}

/// Numerically stable softmax over p[0..<count].
func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
    var m = -Float.infinity
    for j in 0..<count where p[j] > m { m = p[j] }
    var sum: Float = 0
    for j in 0..<count { let e = expf(p[j] - m); p[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<count { p[j] *= inv }
}
