import CBLAS
import Checkpoints
import Foundation

/// A Llama-architecture causal LM (RMSNorm, RoPE incl. llama3 scaling, GQA attention, SwiGLU,
/// tied or untied head), forward only. Every entry point runs the same `run(segments:)`: the
/// projections and the MLP of all rows of all segments go through one sgemm each, and attention
/// runs per segment over its own cache. OpenBLAS sgemm rows do not depend on the row count, so a
/// sequence scores bit-identically alone, in a batch, or as one branch among several.
public final class Llama {
    public let config: LlamaConfig
    let weights: LlamaWeights
    let rope: RotaryEmbedding

    public init(config: LlamaConfig, tensors: [String: NamedTensor]) throws {
        self.config = config
        self.weights = try LlamaWeights(config: config, tensors: tensors)
        self.rope = RotaryEmbedding(config: config)
    }

    public convenience init(directory: URL) throws {
        let config = try LlamaConfig.load(directory: directory)
        try self.init(config: config, tensors: try HFCheckpoint.loadTensors(directory: directory))
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.numHiddenLayers, kvDim: config.numKeyValueHeads * config.headDim,
                capacity: capacity)
    }

    /// Appends `tokens` to the cache and returns logits, row-major [rows.count × vocab], for the
    /// requested row indices into `tokens` only.
    public func forward(_ tokens: [Int], cache: KVCache, logitsFor rows: [Int]) -> [Float] {
        let start = cache.count
        cache.reserve(start + tokens.count)
        let out = run([Segment(tokens: tokens, cache: cache, start: start, rows: rows)])
        cache.count = start + tokens.count
        return out[0]
    }

    /// Several branches continuing the cached prefix, scored in one batched pass; the cache keeps
    /// only the prefix afterwards.
    public func forwardBranches(_ branches: [[Int]], after cache: KVCache,
                                logitsFor rows: [[Int]]) -> [[Float]] {
        precondition(branches.count == rows.count, "one row list per branch")
        let start = cache.count
        cache.reserve(start + (branches.map(\.count).max() ?? 0))
        let segments = zip(branches, rows).map { Segment(tokens: $0, cache: cache, start: start, rows: $1) }
        return run(segments)
    }

    /// Independent sequences (no cache), each as if run alone.
    public func forwardBatch(_ sequences: [[Int]], logitsFor rows: [[Int]]) -> [[Float]] {
        precondition(sequences.count == rows.count, "one row list per sequence")
        let segments = zip(sequences, rows).map {
            Segment(tokens: $0, cache: makeCache(capacity: max($0.count, 1)), start: 0, rows: $1)
        }
        return run(segments)
    }

    /// Greedy decoding with the KV cache; ties go to the lowest id.
    public func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                         shouldStop: (([Int]) -> Bool)?) -> [Int] {
        guard !prompt.isEmpty, maxNewTokens > 0 else { return [] }
        let cache = makeCache(capacity: prompt.count + maxNewTokens)
        var logits = forward(prompt, cache: cache, logitsFor: [prompt.count - 1])
        var generated: [Int] = []
        while generated.count < maxNewTokens {
            let next = argmax(logits)
            generated.append(next)
            if stopTokenIds.contains(next) || (shouldStop?(generated) ?? false) { break }
            if generated.count == maxNewTokens { break }
            logits = forward([next], cache: cache, logitsFor: [0])
        }
        return generated
    }

    // MARK: - The one forward pass

    struct Segment {
        var tokens: [Int]
        var cache: KVCache
        var start: Int
        var rows: [Int]
    }

    private func run(_ segments: [Segment]) -> [[Float]] {
        let c = config
        let d = c.hiddenSize, hd = c.headDim, nh = c.numAttentionHeads, nkv = c.numKeyValueHeads
        let qDim = nh * hd, kvDim = nkv * hd, ff = c.intermediateSize
        let n = segments.reduce(0) { $0 + $1.tokens.count }
        guard n > 0 else { return segments.map { _ in [] } }
        var offsets: [Int] = []
        var positions = [Int](repeating: 0, count: n)
        var x = [Float](repeating: 0, count: n * d)
        var row = 0
        for s in segments {
            offsets.append(row)
            for (i, t) in s.tokens.enumerated() {
                precondition(t >= 0 && t < c.vocabSize, "token id \(t) outside the vocabulary")
                positions[row] = s.start + i
                weights.embedding.withUnsafeBufferPointer { e in
                    x.withUnsafeMutableBufferPointer { xb in
                        for j in 0..<d { xb[row * d + j] = e[t * d + j] }
                    }
                }
                row += 1
            }
        }
        var h = [Float](repeating: 0, count: n * d)
        var q = [Float](repeating: 0, count: n * qDim)
        var k = [Float](repeating: 0, count: n * kvDim)
        var v = [Float](repeating: 0, count: n * kvDim)
        var att = [Float](repeating: 0, count: n * qDim)
        var gate = [Float](repeating: 0, count: n * ff)
        var up = [Float](repeating: 0, count: n * ff)
        let eps = Float(c.rmsNormEps)

        for (l, w) in weights.layers.enumerated() {
            rmsNorm(x, w.inputNorm, into: &h, rows: n, dim: d, eps: eps)
            linear(h, w.q, into: &q, rows: n, inDim: d, outDim: qDim)
            linear(h, w.k, into: &k, rows: n, inDim: d, outDim: kvDim)
            linear(h, w.v, into: &v, rows: n, inDim: d, outDim: kvDim)
            rope.apply(&q, positions: positions, heads: nh)
            rope.apply(&k, positions: positions, heads: nkv)
            for (si, s) in segments.enumerated() {
                let r0 = offsets[si], len = s.tokens.count
                if len == 0 { continue }
                s.cache.write(layer: l, at: s.start, keys: k, values: v, fromRow: r0, rows: len)
                attention(q: q, qRow: r0, rows: len, cache: s.cache, layer: l, start: s.start,
                          into: &att)
            }
            linear(att, w.o, into: &x, rows: n, inDim: qDim, outDim: d, accumulate: true)
            rmsNorm(x, w.postNorm, into: &h, rows: n, dim: d, eps: eps)
            linear(h, w.gate, into: &gate, rows: n, inDim: d, outDim: ff)
            linear(h, w.up, into: &up, rows: n, inDim: d, outDim: ff)
            swiglu(&gate, up)
            linear(gate, w.down, into: &x, rows: n, inDim: ff, outDim: d, accumulate: true)
        }

        // Final norm and LM head only for the rows whose logits are read.
        return segments.enumerated().map { si, s in
            if s.rows.isEmpty { return [] }
            var sel = [Float](repeating: 0, count: s.rows.count * d)
            for (i, r) in s.rows.enumerated() {
                precondition(r >= 0 && r < s.tokens.count, "logit row \(r) outside the segment")
                let src = (offsets[si] + r) * d
                for j in 0..<d { sel[i * d + j] = x[src + j] }
            }
            var normed = [Float](repeating: 0, count: sel.count)
            rmsNorm(sel, weights.finalNorm, into: &normed, rows: s.rows.count, dim: d, eps: eps)
            var logits = [Float](repeating: 0, count: s.rows.count * c.vocabSize)
            linear(normed, weights.lmHead, into: &logits, rows: s.rows.count, inDim: d,
                   outDim: c.vocabSize)
            return logits
        }
    }

    /// Causal attention of `rows` query rows (positions start..<start+rows) over the cache.
    private func attention(q: [Float], qRow: Int, rows: Int, cache: KVCache, layer: Int,
                           start: Int, into out: inout [Float]) {
        let c = config
        let hd = c.headDim, nh = c.numAttentionHeads, nkv = c.numKeyValueHeads
        let qDim = nh * hd, kvDim = nkv * hd, group = nh / nkv
        let keys = start + rows
        let scale = 1 / Float(Double(hd).squareRoot())
        var scores = [Float](repeating: 0, count: rows * keys)
        q.withUnsafeBufferPointer { qb in
            out.withUnsafeMutableBufferPointer { ob in
                cache.keys[layer].withUnsafeBufferPointer { kb in
                    cache.values[layer].withUnsafeBufferPointer { vb in
                        scores.withUnsafeMutableBufferPointer { sb in
                            for hIdx in 0..<nh {
                                let g = hIdx / group
                                // scores = Q_h · K_g^T
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                            Int32(rows), Int32(keys), Int32(hd), scale,
                                            qb.baseAddress! + qRow * qDim + hIdx * hd, Int32(qDim),
                                            kb.baseAddress! + g * hd, Int32(kvDim),
                                            0, sb.baseAddress!, Int32(keys))
                                for r in 0..<rows {
                                    let visible = start + r + 1
                                    let p = sb.baseAddress! + r * keys
                                    softmaxInPlace(p, count: visible)
                                    for j in visible..<keys { p[j] = 0 }
                                }
                                // out_h = P · V_g
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(rows), Int32(hd), Int32(keys), 1,
                                            sb.baseAddress!, Int32(keys),
                                            vb.baseAddress! + g * hd, Int32(kvDim),
                                            0, ob.baseAddress! + qRow * qDim + hIdx * hd, Int32(qDim))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Index of the largest value; ties go to the lowest index (torch.argmax).
public func argmax(_ v: [Float]) -> Int {
    var best = 0
    for i in 1..<v.count where v[i] > v[best] { best = i }
    return best
}
