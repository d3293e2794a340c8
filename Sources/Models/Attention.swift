// Causal GQA self-attention (transformers' LlamaAttention): RMSNorm, fused q/k/v projection, RoPE,
// softmax(QKᵀ/√d)·V per head with kvHeads shared across groups of query heads, o_proj, residual.
// Inference: the bit-invariant blocked form for padded passes and a direct form for decode steps.

import Tensors

extension Llama {
    /// Attention block of an inference pass: x += o_proj(attention(rope(qkv(norm(x))))); appends the
    /// segments' keys and values to their caches when asked.
    func attentionBlock(layer l: Int, _ B: PassBuffers, segs: [Placed], input: [Segment], padded: Bool) {
        let P = parameters, L = P.layers[l], total = B.total, realRows = B.realRows
        let x = B.x, h = B.h, tmp = B.tmp
        let qkv = B.qkv, attn = B.attn
        forRows(realRows) { r in Kernels.rmsNorm(x.p + r * d, weight: P[L.attnNorm], eps: self.eps, h.p + r * d, self.d) }
        Gemm.parallel(.none, .transposed, m: total, n: qkvDim, k: d, a: h.p, lda: d, b: P[L.qkv], ldb: d,
                      c: qkv.p, ldc: qkvDim)
        for seg in segs {
            forRange(seg.count) { i in
                let row = qkv.p + (seg.row + i) * self.qkvDim
                self.rope.apply(row, heads: self.heads, headDim: self.headDim, pos: seg.past + i)
                self.rope.apply(row + self.qDim, heads: self.kvHeads, headDim: self.headDim, pos: seg.past + i)
            }
        }
        if padded {
            attentionBlocked(segs: segs, layer: l, qkv: qkv.p, out: attn.p)
        } else {
            attentionDirect(segs: segs, layer: l, qkv: qkv.p, out: attn.p)
        }
        for (s, seg) in segs.enumerated() where input[s].append {
            let cache = seg.cache!
            for i in 0..<seg.count {
                let src = qkv.p + (seg.row + i) * qkvDim + qDim
                cache.keyRow(l, seg.past + i).update(from: src, count: kvDim)
                cache.valueRow(l, seg.past + i).update(from: src + kvDim, count: kvDim)
            }
        }
        Gemm.parallel(.none, .transposed, m: total, n: d, k: qDim, a: attn.p, lda: qDim, b: P[L.wo], ldb: qDim,
                      c: tmp.p, ldc: d)
        forRows(realRows) { r in Kernels.add(tmp.p + r * self.d, into: x.p + r * self.d, self.d) }
    }

    /// Causal GQA attention with chunking-invariant call shapes. Per (segment, KV head) the keys and
    /// values of positions 0..<past+count are copied contiguous (cache, then the segment's own),
    /// zero-padded to a multiple of queryBlock. One task per (segment, head, absolute query block
    /// [b·QB, (b+1)·QB)): the block's queries are copied to a zeroed [QB × headDim] tile at their
    /// offsets, S = scale·Q·Kᵀ over keys 0..<(b+1)·QB, causal softmax per real row, O = S·V — every
    /// call's shape depends only on b, and masked entries contribute exact zeros.
    func attentionBlocked(segs: [Placed], layer: Int,
                          qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let qb = Llama.queryBlock, hd = headDim
        let group = heads / kvHeads
        // Contiguous K and V per (segment, kv head).
        var kvOffsets: [Int] = []
        var kvTotal = 0
        for seg in segs {
            kvOffsets.append(kvTotal)
            kvTotal += kvHeads * ((seg.past + seg.count + qb - 1) / qb * qb) * hd
        }
        let kBuf = Buffer(kvTotal), vBuf = Buffer(kvTotal)
        defer { kBuf.free(); vBuf.free() }
        ThreadPool.forEachTask(segs.count * kvHeads) { i in
            let s = i / self.kvHeads, g = i % self.kvHeads, seg = segs[s]
            let past = seg.past
            let lpad = (past + seg.count + qb - 1) / qb * qb
            let kDst = kBuf.p + kvOffsets[s] + g * lpad * hd, vDst = vBuf.p + kvOffsets[s] + g * lpad * hd
            seg.cache?.gather(layer: layer, offset: g * hd, width: hd, positions: past, keysTo: kDst, valuesTo: vDst)
            for j in 0..<seg.count {
                let src = qkv + (seg.row + j) * self.qkvDim + self.qDim + g * hd
                (kDst + (past + j) * hd).update(from: src, count: hd)
                (vDst + (past + j) * hd).update(from: src + self.kvDim, count: hd)
            }
        }
        struct Task { var seg: Int, head: Int, block: Int }
        var tasks: [Task] = []
        for (s, seg) in segs.enumerated() where seg.count > 0 {
            for h in 0..<heads {
                for b in (seg.past / qb)...((seg.past + seg.count - 1) / qb) { tasks.append(Task(seg: s, head: h, block: b)) }
            }
        }
        ThreadPool.forEachTask(tasks.count) { ti in
            let t = tasks[ti], seg = segs[t.seg], g = t.head / group, past = seg.past
            let lpad = (past + seg.count + qb - 1) / qb * qb
            let kSrc = kBuf.p + kvOffsets[t.seg] + g * lpad * hd, vSrc = vBuf.p + kvOffsets[t.seg] + g * lpad * hd
            let b0 = t.block * qb, keys = b0 + qb
            let first = max(b0, past), last = min(b0 + qb, past + seg.count)   // real positions [first, last)
            let q = Buffer(qb * hd), o = Buffer(qb * hd)
            let sc = UnsafeMutablePointer<Float>.allocate(capacity: qb * keys)
            defer { q.free(); o.free(); sc.deallocate() }
            for p in first..<last {
                (q.p + (p - b0) * hd).update(from: qkv + (seg.row + p - past) * self.qkvDim + t.head * hd, count: hd)
            }
            Gemm.sgemm(.none, .transposed, m: qb, n: keys, k: hd, alpha: self.scale, a: q.p, lda: hd,
                       b: kSrc, ldb: hd, c: sc, ldc: keys)
            for i in 0..<qb {
                let row = sc + i * keys
                let p = b0 + i
                if p >= first && p < last {
                    Kernels.softmax(row, p + 1)
                    (row + p + 1).update(repeating: 0, count: keys - p - 1)
                } else {
                    row.update(repeating: 0, count: keys)
                }
            }
            Gemm.sgemm(.none, .none, m: qb, n: hd, k: keys, a: sc, lda: keys, b: vSrc, ldb: hd, c: o.p, ldc: hd)
            for p in first..<last {
                (out + (seg.row + p - past) * self.qDim + t.head * hd).update(from: o.p + (p - b0) * hd, count: hd)
            }
        }
    }

    /// Attention for unpadded passes (generate's decode steps): one task per (segment, head,
    /// 64-row query block), S over the cached keys and the segment's own, O = S·V, through sgemm.
    func attentionDirect(segs: [Placed], layer: Int,
                         qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        struct Task { var seg: Int, head: Int, r0: Int, r1: Int }
        var tasks: [Task] = []
        let qb = 64
        for (s, seg) in segs.enumerated() {
            for h in 0..<heads {
                var r0 = 0
                while r0 < seg.count { tasks.append(Task(seg: s, head: h, r0: r0, r1: min(seg.count, r0 + qb))); r0 += qb }
            }
        }
        let group = heads / kvHeads
        ThreadPool.forEachTask(tasks.count) { ti in
            let t = tasks[ti], seg = segs[t.seg], past = seg.past
            let pastK = seg.cache?.keys[layer], pastV = seg.cache?.values[layer]
            let g = t.head / group
            let m = t.r1 - t.r0, keys = past + t.r1
            let s = UnsafeMutablePointer<Float>.allocate(capacity: m * keys)
            defer { s.deallocate() }
            let q = qkv + (seg.row + t.r0) * self.qkvDim + t.head * self.headDim
            let newK = qkv + seg.row * self.qkvDim + self.qDim + g * self.headDim
            let newV = newK + self.kvDim
            if past > 0 {
                Gemm.sgemm(.none, .transposed, m: m, n: past, k: self.headDim, alpha: self.scale, a: q, lda: self.qkvDim,
                           b: pastK! + g * self.headDim, ldb: self.kvDim, c: s, ldc: keys)
            }
            Gemm.sgemm(.none, .transposed, m: m, n: t.r1, k: self.headDim, alpha: self.scale, a: q, lda: self.qkvDim,
                       b: newK, ldb: self.qkvDim, c: s + past, ldc: keys)
            for i in 0..<m {
                let row = s + i * keys
                let visible = past + t.r0 + i + 1
                Kernels.softmax(row, visible)
                if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
            }
            let o = out + (seg.row + t.r0) * self.qDim + t.head * self.headDim
            if past > 0 {
                Gemm.sgemm(.none, .none, m: m, n: self.headDim, k: past, a: s, lda: keys,
                           b: pastV! + g * self.headDim, ldb: self.kvDim, c: o, ldc: self.qDim)
            }
            Gemm.sgemm(.none, .none, m: m, n: self.headDim, k: t.r1, a: s + past, lda: keys,
                       b: newV, ldb: self.qkvDim, beta: past > 0 ? 1 : 0, c: o, ldc: self.qDim)
        }
    }
}
