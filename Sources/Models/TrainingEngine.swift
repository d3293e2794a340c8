// The training pass: forward over a packed batch keeping every activation the backward needs
// (Activations), then a backward accumulating d(Σ wᵢ·lossᵢ)/dθ into a flat gradient buffer. Each
// block's forward and backward live side by side in its own file (Embedding, RMSNorm, Rope,
// Attention, MLP, Head). Generic over the scalar: Float is the product (Gemm with the row-quantum
// rule), Double exists for finite-difference proofs.

import Checkpoints
import Tensors

struct TrainingEngine<T: GemmScalar> {
    let layout: LlamaLayout
    let P: UnsafeMutablePointer<T>
    let d: Int, heads: Int, kvHeads: Int, headDim: Int, qDim: Int, kvDim: Int, qkvDim: Int
    let inter: Int, vocab: Int, layers: Int
    let eps: T, scale: T
    /// Sequences start on multiples of this row count (the model's calibrated Gemm quantum).
    let quantum: Int

    init(config c: LlamaConfig, layout: LlamaLayout, parameters: UnsafeMutablePointer<T>, quantum: Int) {
        self.layout = layout
        self.quantum = quantum
        P = parameters
        d = c.hiddenSize; heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads; headDim = c.headDim
        qDim = heads * headDim; kvDim = kvHeads * headDim; qkvDim = qDim + 2 * kvDim
        inter = c.intermediateSize; vocab = c.vocabSize; layers = c.numHiddenLayers
        eps = T(c.rmsNormEps)   // f32 rounding for Float, as inference; exact for Double
        scale = 1 / T(headDim).squareRoot()
    }

    /// Runs the batch forward; returns per loss token (batch order) the loss, p(target) and, when
    /// entropyTopK is set, the normalised top-k entropy.
    func forward(_ batch: [TrainingSequence], _ A: Activations<T>, entropyTopK: Int?) throws
        -> (losses: [T], probs: [T], entropies: [T]?) {
        let pb = try PackedBatch(batch, vocab: vocab, quantum: quantum)
        A.reserve(rows: pb.rows)
        A.ensureRope(pb.maxLength)
        A.batch = pb
        embeddingForward(pb, out: A.res[0])
        for l in 0..<layers {
            attentionForward(layer: l, pb, A)
            mlpForward(layer: l, pb, A)
        }
        return headForward(pb, A, entropyTopK: entropyTopK)
    }

    /// Accumulates d(Σ weights[i]·losses[i])/dθ into G (weights in the forward's loss order). The
    /// forward's logits are overwritten, so each forward allows one backward.
    func backward(weights: [T], _ A: Activations<T>, into G: UnsafeMutablePointer<T>) throws {
        guard let pb = A.batch else { preconditionFailure("trainingBackward needs a trainingForward first") }
        guard weights.count == pb.loss.count else {
            throw TrainingBatchError.weightCount(expected: pb.loss.count, found: weights.count)
        }
        A.batch = nil
        headBackward(pb, A, weights: weights, G)            // fills A.dx = dL/d res[layers]
        for l in (0..<layers).reversed() {
            mlpBackward(layer: l, pb, A, G)                 // A.dx becomes dL/d mid[l]
            attentionBackward(layer: l, pb, A, G)           // A.dx becomes dL/d res[l]
        }
        embeddingBackward(pb, dx: A.dx, G)
    }

    /// Runs body over 0..<n in parallel slices when there is enough work.
    @inline(__always) func forRange(_ n: Int, _ body: (Int) -> Void) {
        if n < 8 { for i in 0..<n { body(i) }; return }
        ThreadPool.forEachSlice(n) { range in for i in range { body(i) } }
    }
}

extension Llama {
    var trainingEngine: TrainingEngine<Float> {
        TrainingEngine(config: config, layout: parameters.layout, parameters: parameters.base, quantum: rowQuantum)
    }

    /// Forward over a packed batch, keeping the activations in `workspace` for trainingBackward.
    public func trainingForward(_ batch: [TrainingSequence], workspace: LlamaWorkspace,
                                entropyTopK: Int? = nil) throws -> TokenStatistics {
        let r = try trainingEngine.forward(batch, workspace.activations, entropyTopK: entropyTopK)
        return TokenStatistics(losses: r.losses, probs: r.probs, entropies: r.entropies)
    }

    /// weights[i] = dL/d losses[i] (detached per-token weights); ACCUMULATES dL/dθ into gradients.
    /// Uses the activations of the last trainingForward on this workspace (once).
    public func trainingBackward(weights: [Float], workspace: LlamaWorkspace, into gradients: LlamaGradients) throws {
        precondition(gradients.layout == parameters.layout, "gradients laid out for another model")
        try trainingEngine.backward(weights: weights, workspace.activations, into: gradients.base)
    }
}
