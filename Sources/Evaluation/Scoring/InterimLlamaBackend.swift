// INTERIM: a compact float32 Llama forward (Hugging Face LlamaForCausalLM semantics) used as the
// scorer's backend until the engine's `Llama` (module Models) is on main; then
// LlamaLanguageModel switches to the engine and this file goes. It exists so the agreement and
// speed measurements can run now. BLAS for every matmul; only requested logit rows are computed.
import CBLAS
import Checkpoints
import Foundation

final class InterimLlamaBackend: PrefixScoringBackend {
    let config: LlamaConfig
    let contextWindow: Int
    var vocabularySize: Int { config.vocabSize }

    private struct Layer {
        var inputNorm, postNorm: [Float]
        var wq, wk, wv, wo, wGate, wUp, wDown: [Float]
    }
    private let layers: [Layer]
    private let embed: [Float]
    private let lmHead: [Float]?
    private let finalNorm: [Float]
    private let invFreq: [Float]
    // KV cache: per layer, rows of kvDim floats.
    private var keys: [[Float]]
    private var values: [[Float]]
    private(set) var prefixCount = 0

    private let hidden, heads, kvHeads, headDim, kvDim, qDim, inter: Int

    init(directory: URL, contextWindow: Int) throws {
        let c = try LlamaConfig.load(directory: directory)
        guard c.ropeScaling == nil else {
            throw ScoringError.model("interim scorer: rope_scaling \(c.ropeScaling!.ropeType) not supported")
        }
        config = c
        self.contextWindow = contextWindow
        hidden = c.hiddenSize; heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads
        headDim = c.headDim; kvDim = kvHeads * headDim; qDim = heads * headDim; inter = c.intermediateSize
        let files = try HFCheckpoint.open(directory: directory)
        func load(_ name: String, _ count: Int) throws -> [Float] {
            guard let f = files[name] else { throw ScoringError.model("\(directory.path): tensor \(name) missing") }
            var out = [Float](repeating: 0, count: count)
            try out.withUnsafeMutableBufferPointer { try f.read(name, into: $0) }
            return out
        }
        embed = try load("model.embed_tokens.weight", c.vocabSize * hidden)
        lmHead = c.tieWordEmbeddings && files["lm_head.weight"] == nil ? nil
            : try load("lm_head.weight", c.vocabSize * hidden)
        finalNorm = try load("model.norm.weight", hidden)
        var ls: [Layer] = []
        for i in 0..<c.numHiddenLayers {
            let p = "model.layers.\(i)."
            ls.append(Layer(inputNorm: try load(p + "input_layernorm.weight", c.hiddenSize),
                            postNorm: try load(p + "post_attention_layernorm.weight", c.hiddenSize),
                            wq: try load(p + "self_attn.q_proj.weight", qDim * hidden),
                            wk: try load(p + "self_attn.k_proj.weight", kvDim * hidden),
                            wv: try load(p + "self_attn.v_proj.weight", kvDim * hidden),
                            wo: try load(p + "self_attn.o_proj.weight", hidden * qDim),
                            wGate: try load(p + "mlp.gate_proj.weight", inter * hidden),
                            wUp: try load(p + "mlp.up_proj.weight", inter * hidden),
                            wDown: try load(p + "mlp.down_proj.weight", hidden * inter)))
        }
        layers = ls
        // transformers: inv_freq = 1 / theta^(arange(0, d, 2) / d), in float32.
        invFreq = (0..<(c.headDim / 2)).map { i in
            Float(1.0 / pow(c.ropeTheta, Double(2 * i) / Double(c.headDim)))
        }
        keys = Array(repeating: [], count: c.numHiddenLayers)
        values = Array(repeating: [], count: c.numHiddenLayers)
    }

    func truncatePrefix(to count: Int) throws {
        guard count <= prefixCount else { throw ScoringError.model("truncate beyond the cache") }
        prefixCount = count
    }

    func extendPrefix(_ tokens: [Int], logitsFor rows: [Int]) throws -> [Float] {
        try forward(tokens, rows: rows)
    }

    /// All branches in one pass: their tokens are concatenated after the prefix, each token sees
    /// the prefix and the earlier tokens of its own branch only, at positions counted from the
    /// prefix end; then the cache is cut back to the prefix.
    func scoreBranches(_ branches: [[Int]], logitsFor rows: [[Int]]) throws -> [[Float]] {
        let base = prefixCount
        var starts: [Int] = []
        var flatRows: [Int] = []
        var offset = 0
        for (b, r) in zip(branches, rows) {
            starts.append(offset)
            flatRows += r.map { $0 + offset }
            offset += b.count
        }
        let logits = try forward(Array(branches.joined()), rows: flatRows, branchStarts: starts)
        prefixCount = base
        var out: [[Float]] = []
        var k = 0
        let v = config.vocabSize
        for r in rows {
            out.append(Array(logits[(k * v)..<((k + r.count) * v)]))
            k += r.count
        }
        return out
    }

    func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                  shouldStop: ([Int]) -> Bool) throws -> [Int] {
        prefixCount = 0
        var out: [Int] = []
        var next = prompt
        while out.count < maxNewTokens {
            let logits = try forward(next, rows: [next.count - 1])
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            out.append(best)
            if stopTokenIds.contains(best) || shouldStop(out) { break }
            next = [best]
        }
        return out
    }

    private func ensureCapacity(_ n: Int) {
        let need = n * kvDim
        for l in 0..<layers.count where keys[l].count < need {
            let grow = max(need, keys[l].count * 2)
            keys[l] += [Float](repeating: 0, count: grow - keys[l].count)
            values[l] += [Float](repeating: 0, count: grow - values[l].count)
        }
    }

    private func rmsNorm(_ x: [Float], rows n: Int, weight: [Float], into out: inout [Float]) {
        let eps = Float(config.rmsNormEps)
        for r in 0..<n {
            var ss: Float = 0
            for j in 0..<hidden { let v = x[r * hidden + j]; ss += v * v }
            let scale = 1 / (ss / Float(hidden) + eps).squareRoot()
            for j in 0..<hidden { out[r * hidden + j] = weight[j] * (x[r * hidden + j] * scale) }
        }
    }

    /// Y[n × out] = X[n × inDim] · W[out × inDim]ᵀ
    private func linear(_ x: UnsafePointer<Float>, _ w: [Float], n: Int, inDim: Int, outDim: Int,
                        into y: UnsafeMutablePointer<Float>) {
        w.withUnsafeBufferPointer { wp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outDim), Int32(inDim),
                        1, x, Int32(inDim), wp.baseAddress, Int32(inDim), 0, y, Int32(outDim))
        }
    }

    private func rope(_ v: inout [Float], rows n: Int, nHeads: Int, positions: [Int]) {
        let half = headDim / 2
        for r in 0..<n {
            let pos = Float(positions[r])
            for i in 0..<half {
                let angle = pos * invFreq[i]
                let c = cosf(angle), s = sinf(angle)
                for h in 0..<nHeads {
                    let base = r * nHeads * headDim + h * headDim
                    let a = v[base + i], b = v[base + i + half]
                    v[base + i] = a * c - b * s
                    v[base + i + half] = b * c + a * s
                }
            }
        }
    }

    /// `branchStarts`: when given, `tokens` are several branches concatenated (starting at these
    /// offsets), each attending to the cached prefix and to its own earlier tokens only.
    private func forward(_ tokens: [Int], rows: [Int], branchStarts: [Int]? = nil) throws -> [Float] {
        let n = tokens.count
        let start = prefixCount
        let total = start + n
        // Per token: RoPE position and the visible key range after the prefix (own branch).
        var positions = [Int](repeating: 0, count: n)
        var ownFrom = [Int](repeating: 0, count: n)
        let bounds = (branchStarts ?? [0]) + [n]
        for b in 0..<(bounds.count - 1) {
            for i in bounds[b]..<bounds[b + 1] {
                positions[i] = start + i - bounds[b]
                ownFrom[i] = start + bounds[b]
            }
        }
        guard total <= contextWindow else { throw ScoringError.model("sequence of \(total) exceeds the window") }
        ensureCapacity(total)
        var x = [Float](repeating: 0, count: n * hidden)
        for (r, t) in tokens.enumerated() {
            guard t >= 0, t < config.vocabSize else { throw ScoringError.model("token id \(t) out of range") }
            for j in 0..<hidden { x[r * hidden + j] = embed[t * hidden + j] }
        }
        var h = [Float](repeating: 0, count: n * hidden)
        var q = [Float](repeating: 0, count: n * qDim)
        var k = [Float](repeating: 0, count: n * kvDim)
        var v = [Float](repeating: 0, count: n * kvDim)
        var attn = [Float](repeating: 0, count: n * qDim)
        var o = [Float](repeating: 0, count: n * hidden)
        var gate = [Float](repeating: 0, count: n * inter)
        var up = [Float](repeating: 0, count: n * inter)
        var scores = [Float](repeating: 0, count: n * total)
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        for (l, layer) in layers.enumerated() {
            rmsNorm(x, rows: n, weight: layer.inputNorm, into: &h)
            h.withUnsafeBufferPointer { hp in
                linear(hp.baseAddress!, layer.wq, n: n, inDim: hidden, outDim: qDim, into: &q)
                linear(hp.baseAddress!, layer.wk, n: n, inDim: hidden, outDim: kvDim, into: &k)
                linear(hp.baseAddress!, layer.wv, n: n, inDim: hidden, outDim: kvDim, into: &v)
            }
            rope(&q, rows: n, nHeads: heads, positions: positions)
            rope(&k, rows: n, nHeads: kvHeads, positions: positions)
            for i in 0..<(n * kvDim) {
                keys[l][start * kvDim + i] = k[i]
                values[l][start * kvDim + i] = v[i]
            }
            keys[l].withUnsafeBufferPointer { kp in
                values[l].withUnsafeBufferPointer { vp in
                    q.withUnsafeBufferPointer { qp in
                        scores.withUnsafeMutableBufferPointer { sp in
                            attn.withUnsafeMutableBufferPointer { ap in
                                for hd in 0..<heads {
                                    let kv = hd / group
                                    // scores[n × total] = Q_h · K_hᵀ · scale
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(total),
                                                Int32(headDim), scale, qp.baseAddress! + hd * headDim, Int32(qDim),
                                                kp.baseAddress! + kv * headDim, Int32(kvDim), 0,
                                                sp.baseAddress!, Int32(total))
                                    for r in 0..<n {
                                        // Visible keys: the prefix [0, start) and [ownFrom, start + r].
                                        let row = sp.baseAddress! + r * total
                                        let lo = ownFrom[r], hi = start + r + 1
                                        var m = -Float.infinity
                                        for j in 0..<start where row[j] > m { m = row[j] }
                                        for j in lo..<hi where row[j] > m { m = row[j] }
                                        var sum: Float = 0
                                        for j in 0..<start { let e = expf(row[j] - m); row[j] = e; sum += e }
                                        for j in lo..<hi { let e = expf(row[j] - m); row[j] = e; sum += e }
                                        let inv = 1 / sum
                                        for j in 0..<start { row[j] *= inv }
                                        for j in start..<lo { row[j] = 0 }
                                        for j in lo..<hi { row[j] *= inv }
                                        for j in hi..<total { row[j] = 0 }
                                    }
                                    // attn_h[n × d] = P · V_h
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(headDim),
                                                Int32(total), 1, sp.baseAddress!, Int32(total),
                                                vp.baseAddress! + kv * headDim, Int32(kvDim), 0,
                                                ap.baseAddress! + hd * headDim, Int32(qDim))
                                }
                            }
                        }
                    }
                }
            }
            attn.withUnsafeBufferPointer { linear($0.baseAddress!, layer.wo, n: n, inDim: qDim, outDim: hidden, into: &o) }
            for i in 0..<(n * hidden) { x[i] += o[i] }
            rmsNorm(x, rows: n, weight: layer.postNorm, into: &h)
            h.withUnsafeBufferPointer { hp in
                linear(hp.baseAddress!, layer.wGate, n: n, inDim: hidden, outDim: inter, into: &gate)
                linear(hp.baseAddress!, layer.wUp, n: n, inDim: hidden, outDim: inter, into: &up)
            }
            for i in 0..<(n * inter) { let g = gate[i]; gate[i] = g / (1 + expf(-g)) * up[i] }
            gate.withUnsafeBufferPointer { linear($0.baseAddress!, layer.wDown, n: n, inDim: inter, outDim: hidden, into: &o) }
            for i in 0..<(n * hidden) { x[i] += o[i] }
        }
        prefixCount = total
        guard !rows.isEmpty else { return [] }
        var picked = [Float](repeating: 0, count: rows.count * hidden)
        for (k, r) in rows.enumerated() {
            for j in 0..<hidden { picked[k * hidden + j] = x[r * hidden + j] }
        }
        var normed = [Float](repeating: 0, count: rows.count * hidden)
        rmsNorm(picked, rows: rows.count, weight: finalNorm, into: &normed)
        var logits = [Float](repeating: 0, count: rows.count * config.vocabSize)
        normed.withUnsafeBufferPointer {
            linear($0.baseAddress!, lmHead ?? embed, n: rows.count, inDim: hidden, outDim: config.vocabSize, into: &logits)
        }
        return logits
    }
}
