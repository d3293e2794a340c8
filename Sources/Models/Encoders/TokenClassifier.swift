import Checkpoints
import Foundation
import Tensors

/// A BERT-family encoder (`BertModel` / `BertForTokenClassification`, RoBERTa and XLM-RoBERTa
/// alike) on Float32: embeddings (word + position + token type, LayerNorm), post-LayerNorm blocks
/// with erf GELU, and, when the checkpoint has one, the token-classification head.
///
/// Each sequence runs alone at its own length, which is what an attention mask over right padding
/// computes, and makes a sequence's results independent of what it is batched with.
public final class TokenClassifier {
    public let config: EncoderConfig
    /// "bert." / "roberta." / "" before the encoder's tensor names.
    let prefix: String
    let word: [Float], position: [Float], tokenType: [Float], embLNw: [Float], embLNb: [Float]
    struct Layer {
        var wqkv: [Float], bqkv: [Float], wo: [Float], bo: [Float], ln1w: [Float], ln1b: [Float]
        var wi: [Float], bi: [Float], wo2: [Float], bo2: [Float], ln2w: [Float], ln2b: [Float]
    }
    let layers: [Layer]
    let classifierW: [Float]?, classifierB: [Float]?

    public var hasClassifier: Bool { classifierW != nil }

    public convenience init(directory: URL) throws { try self.init(folder: ModelFolder(directory: directory)) }

    public init(folder: ModelFolder) throws {
        let directory = folder.directory
        let c = try folder.encoderConfig()
        config = c
        let files: [String: SafetensorsFile]
        do { files = try folder.weights() } catch {
            throw EncoderError.unreadable(file: directory.path, reason: "\(error)")
        }
        let candidates = c.family == .bert ? ["bert.", ""] : ["roberta.", ""]
        guard let p = candidates.first(where: { files[$0 + "embeddings.word_embeddings.weight"] != nil }) else {
            throw EncoderError.missingTensor(file: directory.appendingPathComponent(HFCheckpoint.singleFile).path,
                                             tensor: candidates[0] + "embeddings.word_embeddings.weight")
        }
        prefix = p
        func read(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let f = files[name], let e = f.entries[name] else {
                throw EncoderError.missingTensor(file: directory.appendingPathComponent(HFCheckpoint.singleFile).path, tensor: name)
            }
            guard e.shape == shape else { throw EncoderError.shapeMismatch(file: f.path, tensor: name, expected: shape, found: e.shape) }
            var v = [Float](repeating: 0, count: e.elementCount)
            try v.withUnsafeMutableBufferPointer { try f.read(name, into: $0) }
            return v
        }
        let d = c.hiddenSize, inter = c.intermediateSize
        word = try read(p + "embeddings.word_embeddings.weight", [c.vocabSize, d])
        position = try read(p + "embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, d])
        tokenType = try read(p + "embeddings.token_type_embeddings.weight", [c.typeVocabSize, d])
        embLNw = try read(p + "embeddings.LayerNorm.weight", [d])
        embLNb = try read(p + "embeddings.LayerNorm.bias", [d])
        var ls: [Layer] = []
        for i in 0..<c.numHiddenLayers {
            let q = p + "encoder.layer.\(i)."
            // q, k, v stacked into one [3D × D] matrix: one product per layer.
            let wqkv = try read(q + "attention.self.query.weight", [d, d]) + read(q + "attention.self.key.weight", [d, d])
                + read(q + "attention.self.value.weight", [d, d])
            let bqkv = try read(q + "attention.self.query.bias", [d]) + read(q + "attention.self.key.bias", [d])
                + read(q + "attention.self.value.bias", [d])
            ls.append(Layer(
                wqkv: wqkv, bqkv: bqkv,
                wo: try read(q + "attention.output.dense.weight", [d, d]), bo: try read(q + "attention.output.dense.bias", [d]),
                ln1w: try read(q + "attention.output.LayerNorm.weight", [d]), ln1b: try read(q + "attention.output.LayerNorm.bias", [d]),
                wi: try read(q + "intermediate.dense.weight", [inter, d]), bi: try read(q + "intermediate.dense.bias", [inter]),
                wo2: try read(q + "output.dense.weight", [d, inter]), bo2: try read(q + "output.dense.bias", [d]),
                ln2w: try read(q + "output.LayerNorm.weight", [d]), ln2b: try read(q + "output.LayerNorm.bias", [d])))
        }
        layers = ls
        if files["classifier.weight"] != nil {
            classifierW = try read("classifier.weight", [c.numLabels, d])
            classifierB = try read("classifier.bias", [c.numLabels])
        } else {
            classifierW = nil
            classifierB = nil
        }
    }

    /// Last hidden states [ids.count × hidden], row-major.
    public func hiddenStates(_ ids: [Int]) throws -> [Float] {
        let c = config, n = ids.count, d = c.hiddenSize
        guard n + c.positionOffset <= c.maxPositionEmbeddings else {
            throw EncoderError.sequenceTooLong(length: n, maxPositions: c.maxPositionEmbeddings - c.positionOffset)
        }
        var x = [Float](repeating: 0, count: n * d)
        for (t, id) in ids.enumerated() {
            guard id >= 0 && id < c.vocabSize else { throw EncoderError.tokenOutOfRange(id: id, vocabSize: c.vocabSize) }
            let pos = t + c.positionOffset
            for j in 0..<d { x[t * d + j] = word[id * d + j] + tokenType[j] + position[pos * d + j] }
        }
        layerNorm(&x, n, embLNw, embLNb)
        for l in layers { block(&x, n, l) }
        return x
    }

    /// Token-classification logits [ids.count × numLabels].
    public func logits(_ ids: [Int]) throws -> [Float] {
        guard let w = classifierW, let b = classifierB else {
            throw EncoderError.missingTensor(file: "model.safetensors", tensor: "classifier.weight")
        }
        let h = try hiddenStates(ids)
        return linear(h, ids.count, config.hiddenSize, w, b, config.numLabels)
    }

    func linear(_ x: [Float], _ m: Int, _ k: Int, _ w: [Float], _ b: [Float], _ n: Int) -> [Float] {
        var y = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { y[i * n + j] = b[j] } }
        Gemm.sgemm(.none, .transposed, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k, beta: 1, c: &y, ldc: n)
        return y
    }

    func layerNorm(_ x: inout [Float], _ n: Int, _ w: [Float], _ b: [Float]) {
        let d = config.hiddenSize, eps = config.layerNormEps
        for t in 0..<n {
            var mean: Float = 0
            for j in 0..<d { mean += x[t * d + j] }
            mean /= Float(d)
            var v: Float = 0
            for j in 0..<d { let z = x[t * d + j] - mean; v += z * z }
            let r = 1 / (v / Float(d) + eps).squareRoot()
            for j in 0..<d { x[t * d + j] = (x[t * d + j] - mean) * r * w[j] + b[j] }
        }
    }

    func block(_ x: inout [Float], _ n: Int, _ l: Layer) {
        let d = config.hiddenSize, h = config.numAttentionHeads, hd = config.headDim, inter = config.intermediateSize
        let qkv = linear(x, n, d, l.wqkv, l.bqkv, 3 * d)
        var ctx = [Float](repeating: 0, count: n * d)
        var scores = [Float](repeating: 0, count: n * n)
        let scale = 1 / Float(hd).squareRoot()
        qkv.withUnsafeBufferPointer { q in
            for head in 0..<h {
                let qp = q.baseAddress! + head * hd, kp = qp + d, vp = qp + 2 * d
                Gemm.sgemm(.none, .transposed, m: n, n: n, k: hd, alpha: scale, a: qp, lda: 3 * d, b: kp, ldb: 3 * d,
                           c: &scores, ldc: n)
                for i in 0..<n {
                    var mx = -Float.infinity
                    for j in 0..<n { mx = max(mx, scores[i * n + j]) }
                    var s: Float = 0
                    for j in 0..<n { let e = expf(scores[i * n + j] - mx); scores[i * n + j] = e; s += e }
                    for j in 0..<n { scores[i * n + j] /= s }
                }
                ctx.withUnsafeMutableBufferPointer { cp in
                    Gemm.sgemm(.none, .none, m: n, n: hd, k: n, a: scores, lda: n, b: vp, ldb: 3 * d,
                               c: cp.baseAddress! + head * hd, ldc: d)
                }
            }
        }
        let attn = linear(ctx, n, d, l.wo, l.bo, d)
        for i in 0..<(n * d) { x[i] += attn[i] }
        layerNorm(&x, n, l.ln1w, l.ln1b)
        var mid = linear(x, n, d, l.wi, l.bi, inter)
        for i in 0..<mid.count { let v = mid[i]; mid[i] = 0.5 * v * (1 + erff(v / Float(2).squareRoot())) }
        let out = linear(mid, n, inter, l.wo2, l.bo2, d)
        for i in 0..<(n * d) { x[i] += out[i] }
        layerNorm(&x, n, l.ln2w, l.ln2b)
    }
}
