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
        let q = padded ? Gemm.rowQuantum : headTotal
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
