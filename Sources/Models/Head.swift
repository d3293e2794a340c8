// Final RMSNorm and LM head (tied to the embedding or not).
// Inference: logits only for the requested rows, placed so that each row's bits do not depend on
// the batch (see Segments.swift).

import Tensors

extension Llama {
    /// Final norm and LM head for the segments' requested rows; x holds the last layer's output.
    func headLogits(_ input: [Segment], segs: [Placed], headTotal: Int, x: Buffer, padded: Bool) -> [[Float]] {
        let P = parameters
        // Final norm and LM head, only for the requested rows.
        if headTotal == 0 { return input.map { _ in [] } }
        let hs = Buffer(headTotal * d)
        defer { hs.free() }
        var pairs: [(src: Int, dst: Int)] = []
        for (s, seg) in segs.enumerated() {
            for (j, r) in input[s].logitRows.enumerated() { pairs.append((seg.row + r, seg.headSlots[j])) }
        }
        forRange(pairs.count) { i in
            Kernels.rmsNorm(x.p + pairs[i].src * self.d, weight: P[P.finalNorm], eps: self.eps, hs.p + pairs[i].dst * self.d, self.d)
        }
        let vocab = config.vocabSize
        func head(_ rows: Range<Int>, into c: UnsafeMutablePointer<Float>) {
            Gemm.parallel(.none, .transposed, m: rows.count, n: vocab, k: d, a: hs.p + rows.lowerBound * d, lda: d,
                          b: P[P.lmHead], ldb: d, c: c, ldc: vocab)
        }
        // A segment whose logit rows are consecutive from a quantum boundary, with no other
        // segment's rows in its last block, gets them written straight into its result array (one
        // call over its blocks: same shapes modulo the quantum, same bits). The others share a
        // buffer filled by calls over the remaining runs of blocks. Logits go into uninitialised
        // storage (sgemm with β = 0 sets every element): ~200 MB per 2×512 pass is not cleared twice.
        let q = padded ? rowQuantum : headTotal
        var blockOwner = [Int](repeating: -1, count: headTotal / q)   // -1 none, -2 several
        for (s, seg) in segs.enumerated() {
            for slot in seg.headSlots { blockOwner[slot / q] = blockOwner[slot / q] == -1 || blockOwner[slot / q] == s ? s : -2 }
        }
        let direct = segs.enumerated().map { s, seg -> Bool in
            guard padded, let first = seg.headSlots.first, let last = seg.headSlots.last,
                  seg.headSlots.count >= q, first % q == 0, last - first == seg.headSlots.count - 1 else { return false }
            return (first / q...last / q).allSatisfy { blockOwner[$0] == s }
        }
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: direct.allSatisfy { $0 } ? 1 : headTotal * vocab)
        defer { logits.deallocate() }
        var b = 0
        while b < blockOwner.count {
            guard blockOwner[b] != -1, blockOwner[b] < 0 || !direct[blockOwner[b]] else { b += 1; continue }
            var e = b + 1
            while e < blockOwner.count, blockOwner[e] != -1, blockOwner[e] < 0 || !direct[blockOwner[e]] { e += 1 }
            head((b * q)..<(e * q), into: logits + b * q * vocab)
            b = e
        }
        return segs.enumerated().map { s, seg in
            let n = seg.headSlots.count
            if direct[s] {
                let first = seg.headSlots[0], end = (seg.headSlots[n - 1] / q + 1) * q
                return [Float](unsafeUninitializedCapacity: (end - first) * vocab) { buf, count in
                    head(first..<end, into: buf.baseAddress!)
                    count = n * vocab
                }
            }
            return [Float](unsafeUninitializedCapacity: n * vocab) { buf, count in
                for (j, slot) in seg.headSlots.enumerated() {
                    (buf.baseAddress! + j * vocab).update(from: logits + slot * vocab, count: vocab)
                }
                count = n * vocab
            }
        }
    }
}

// MARK: training

extension TrainingEngine {
    /// Final norm of each loss row into its LM-head row, logits = hs·Wᵀ for all head rows (padding
    /// head rows are zero), then per loss token its cross-entropy (CrossEntropy.forward).
    func headForward(_ pb: PackedBatch, _ A: Activations<T>, entropyTopK: Int?) -> (losses: [T], probs: [T], entropies: [T]?) {
        let H = pb.headRows, x = A.res[layers], hs = A.hs, V = vocab, w = P + layout.finalNorm
        hs.update(repeating: 0, count: H * d)
        let loss = pb.loss
        forRange(loss.count) { k in
            let src = x + loss[k].row * self.d, dst = hs + loss[k].slot * self.d
            var ss: T = 0
            for i in 0..<self.d { ss += src[i] * src[i] }
            let r = 1 / (ss / T(self.d) + self.eps).squareRoot()
            A.rstdF[loss[k].slot] = r
            for i in 0..<self.d { dst[i] = w[i] * (src[i] * r) }
        }
        T.gemmParallel(.none, .transposed, m: H, n: V, k: d, alpha: 1, a: hs, lda: d, b: P + layout.lmHead, ldb: d,
                       beta: 0, c: A.logits, ldc: V)
        var losses = [T](repeating: 0, count: loss.count), lses = losses
        var entropies: [T]? = entropyTopK == nil ? nil : losses
        losses.withUnsafeMutableBufferPointer { lp in
            lses.withUnsafeMutableBufferPointer { sp in
                forRange(loss.count) { k in
                    let row = A.logits + loss[k].slot * V
                    let (ce, lse) = CrossEntropy.forward(UnsafePointer(row), V, target: loss[k].target)
                    lp[k] = ce
                    sp[k] = lse
                }
            }
        }
        if let topK = entropyTopK {
            entropies!.withUnsafeMutableBufferPointer { ep in
                forRange(loss.count) { k in
                    ep[k] = CrossEntropy.topKEntropy(UnsafePointer(A.logits + loss[k].slot * V), V, lse: lses[k], k: topK)
                }
            }
        }
        A.lossLse = lses
        return (losses, losses.map { T.exp(-$0) }, entropies)
    }

    /// Fused CE + head backward: each loss row's logits become w·(softmax − onehot) in place, then
    /// dhs = dlogits·W and dW += dlogitsᵀ·hs (into the embedding when tied), then the final norm's
    /// backward sets A.dx = dL/d res[layers] (zero on rows without loss).
    func headBackward(_ pb: PackedBatch, _ A: Activations<T>, weights: [T], _ G: UnsafeMutablePointer<T>) {
        let H = pb.headRows, V = vocab, logits = A.logits, loss = pb.loss, lses = A.lossLse
        var used = [Bool](repeating: false, count: H)
        for l in loss { used[l.slot] = true }
        forRange(H) { slot in if !used[slot] { (logits + slot * V).update(repeating: 0, count: V) } }
        forRange(loss.count) { k in
            CrossEntropy.backward(logits + loss[k].slot * V, V, target: loss[k].target, lse: lses[k], weight: weights[k])
        }
        T.gemmParallel(.none, .none, m: H, n: d, k: V, alpha: 1, a: logits, lda: V, b: P + layout.lmHead, ldb: d,
                       beta: 0, c: A.dhs, ldc: d)
        T.gemmParallel(.transposed, .none, m: V, n: d, k: H, alpha: 1, a: logits, lda: V, b: A.hs, ldb: d,
                       beta: 1, c: G + layout.lmHead, ldc: d)
        A.dx.update(repeating: 0, count: pb.rows * d)
        rmsNormBackward(dy: A.dhs, x: A.res[layers], weight: P + layout.finalNorm, rstd: A.rstdF,
                        pairs: loss.map { ($0.row, $0.slot) }, dx: A.dx, dw: G + layout.finalNorm)
    }
}
