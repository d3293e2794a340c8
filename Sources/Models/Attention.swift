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
        // Decode steps attend over their cache in place, so their own key and value go in first.
        func store(_ seg: Placed) {
            for i in 0..<seg.count {
                let src = qkv.p + (seg.row + i) * qkvDim + qDim
                seg.cache!.keyRow(l, seg.past + i).update(from: src, count: kvDim)
                seg.cache!.valueRow(l, seg.past + i).update(from: src + kvDim, count: kvDim)
            }
        }
        for seg in segs where seg.decodeStep { store(seg) }
        if padded {
            attentionBlocked(segs: segs.filter { !$0.decodeStep }, layer: l, qkv: qkv.p, out: attn.p)
            attentionDecode(segs: segs.filter(\.decodeStep), layer: l, qkv: qkv.p, out: attn.p)
        } else {
            attentionDirect(segs: segs, layer: l, qkv: qkv.p, out: attn.p)
        }
        for (s, seg) in segs.enumerated() where input[s].append && !seg.decodeStep { store(seg) }
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

    /// Attention of decode steps (one query row at position p = past, its key and value already in
    /// the cache): per KV head, S = scale·Q·Kᵀ for the group's query heads over positions 0...p,
    /// softmax, O = S·V — read from the cache in place, or gathered contiguous when the cache
    /// continues a base. Every call's shape depends on p alone, so a step's bits depend only on its
    /// sequence, whatever else runs in the pass.
    func attentionDecode(segs: [Placed], layer: Int, qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        guard !segs.isEmpty else { return }
        let hd = headDim, group = heads / kvHeads
        ThreadPool.forEachTask(segs.count * kvHeads) { ti in
            let seg = segs[ti / self.kvHeads], g = ti % self.kvHeads, cache = seg.cache!
            let n = seg.past + 1
            let s = UnsafeMutablePointer<Float>.allocate(capacity: group * n)
            defer { s.deallocate() }
            var k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int
            var gathered: UnsafeMutablePointer<Float>? = nil
            defer { gathered?.deallocate() }
            if cache.base == nil {
                k = UnsafePointer(cache.keyRow(layer, 0) + g * hd); v = UnsafePointer(cache.valueRow(layer, 0) + g * hd)
                ld = self.kvDim
            } else {
                let buf = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n * hd)
                cache.gather(layer: layer, offset: g * hd, width: hd, positions: n, keysTo: buf, valuesTo: buf + n * hd)
                gathered = buf
                k = UnsafePointer(buf); v = UnsafePointer(buf + n * hd); ld = hd
            }
            let q = qkv + seg.row * self.qkvDim + g * group * hd
            Gemm.sgemm(.none, .transposed, m: group, n: n, k: hd, alpha: self.scale, a: q, lda: hd, b: k, ldb: ld,
                       c: s, ldc: n)
            for i in 0..<group { Kernels.softmax(s + i * n, n) }
            Gemm.sgemm(.none, .none, m: group, n: hd, k: n, a: s, lda: n, b: v, ldb: ld,
                       c: out + seg.row * self.qDim + g * group * hd, ldc: hd)
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

// MARK: training

extension TrainingEngine {
    /// mid[l] = res[l] + o_proj(attention(rope(qkv(norm(res[l]))))), keeping h1, qkv (after RoPE),
    /// each query row's softmax log-sum-exp per head, and the attention output.
    func attentionForward(layer l: Int, _ pb: PackedBatch, _ A: Activations<T>) {
        let L = layout.layers[l], R = pb.rows
        let x = A.res[l], h = A.h1[l], qkv = A.qkv[l], out = A.attn[l], mid = A.mid[l]
        rmsNormForward(x, weight: P + L.attnNorm, h, rstd: A.rstd1[l], rows: R)
        T.gemmParallel(.none, .transposed, m: R, n: qkvDim, k: d, alpha: 1, a: h, lda: d, b: P + L.qkv, ldb: d,
                       beta: 0, c: qkv, ldc: qkvDim)
        forRange(R) { r in
            guard pb.tokenOfRow[r] >= 0 else { return }
            self.rope(qkv + r * self.qkvDim, heads: self.heads, pos: pb.posOfRow[r], A, inverse: false)
            self.rope(qkv + r * self.qkvDim + self.qDim, heads: self.kvHeads, pos: pb.posOfRow[r], A, inverse: false)
        }
        out.update(repeating: 0, count: R * qDim)   // padding rows stay zero
        let lse = A.lse[l], hd = headDim, group = heads / kvHeads
        let tasks = pb.sequences.count * heads
        ThreadPool.forEachTask(tasks) { ti in
            let seq = pb.sequences[ti / self.heads], hh = ti % self.heads, g = hh / group
            let n = seq.count, r0 = seq.row
            guard n > 0 else { return }
            let q = qkv + r0 * self.qkvDim + hh * hd, k = qkv + r0 * self.qkvDim + self.qDim + g * hd, v = k + self.kvDim
            let s = UnsafeMutablePointer<T>.allocate(capacity: n * n)
            defer { s.deallocate() }
            T.gemm(.none, .transposed, m: n, n: n, k: hd, alpha: self.scale, a: q, lda: self.qkvDim, b: k, ldb: self.qkvDim,
                   beta: 0, c: s, ldc: n)
            for i in 0..<n {   // causal softmax over keys 0...i, exact zeros beyond
                let row = s + i * n
                var m = row[0]
                for j in stride(from: 1, through: i, by: 1) where row[j] > m { m = row[j] }
                let z = T.expShifted(row, i + 1, shift: m)
                let inv = 1 / z
                for j in 0...i { row[j] *= inv }
                if i + 1 < n { (row + i + 1).update(repeating: 0, count: n - i - 1) }
                lse[(r0 + i) * self.heads + hh] = m + T.log(z)
            }
            T.gemm(.none, .none, m: n, n: hd, k: n, alpha: 1, a: s, lda: n, b: v, ldb: self.qkvDim,
                   beta: 0, c: out + r0 * self.qDim + hh * hd, ldc: self.qDim)
        }
        mid.update(from: x, count: R * d)
        T.gemmParallel(.none, .transposed, m: R, n: d, k: qDim, alpha: 1, a: out, lda: qDim, b: P + L.wo, ldb: qDim,
                       beta: 1, c: mid, ldc: d)
    }

    /// A.dx holds dL/d mid[l]; adds the attention branch's gradient so it becomes dL/d res[l], and
    /// accumulates the layer's attention weights' gradients into G. P = softmax is recomputed from
    /// the kept log-sum-exp: dV += Pᵀ·dO, dS = P⊙(dO·Vᵀ − rowsum), dQ = s·dS·K, dK += s·dSᵀ·Q.
    func attentionBackward(layer l: Int, _ pb: PackedBatch, _ A: Activations<T>, _ G: UnsafeMutablePointer<T>) {
        let L = layout.layers[l], R = pb.rows
        let dx = A.dx, dattn = A.dattn, dqkv = A.dqkv, dh = A.dh
        T.gemmParallel(.none, .none, m: R, n: qDim, k: d, alpha: 1, a: dx, lda: d, b: P + L.wo, ldb: qDim,
                       beta: 0, c: dattn, ldc: qDim)
        T.gemmParallel(.transposed, .none, m: d, n: qDim, k: R, alpha: 1, a: dx, lda: d, b: A.attn[l], ldb: qDim,
                       beta: 1, c: G + L.wo, ldc: qDim)
        dqkv.update(repeating: 0, count: R * qkvDim)
        let qkv = A.qkv[l], lse = A.lse[l], hd = headDim, group = heads / kvHeads
        // One task per (sequence, kv head): its query heads run in order, so dK and dV accumulate
        // without races and in a fixed order.
        ThreadPool.forEachTask(pb.sequences.count * kvHeads) { ti in
            let seq = pb.sequences[ti / self.kvHeads], g = ti % self.kvHeads
            let n = seq.count, r0 = seq.row
            guard n > 0 else { return }
            let k = qkv + r0 * self.qkvDim + self.qDim + g * hd, v = k + self.kvDim
            let dk = dqkv + r0 * self.qkvDim + self.qDim + g * hd, dv = dk + self.kvDim
            let p = UnsafeMutablePointer<T>.allocate(capacity: 2 * n * n)
            defer { p.deallocate() }
            let dp = p + n * n
            for hh in (g * group)..<((g + 1) * group) {
                let q = qkv + r0 * self.qkvDim + hh * hd, dq = dqkv + r0 * self.qkvDim + hh * hd
                let dO = dattn + r0 * self.qDim + hh * hd
                T.gemm(.none, .transposed, m: n, n: n, k: hd, alpha: self.scale, a: q, lda: self.qkvDim, b: k,
                       ldb: self.qkvDim, beta: 0, c: p, ldc: n)
                for i in 0..<n {
                    let row = p + i * n
                    _ = T.expShifted(row, i + 1, shift: lse[(r0 + i) * self.heads + hh])
                    if i + 1 < n { (row + i + 1).update(repeating: 0, count: n - i - 1) }
                }
                T.gemm(.transposed, .none, m: n, n: hd, k: n, alpha: 1, a: p, lda: n, b: dO, ldb: self.qDim,
                       beta: 1, c: dv, ldc: self.qkvDim)
                T.gemm(.none, .transposed, m: n, n: n, k: hd, alpha: 1, a: dO, lda: self.qDim, b: v, ldb: self.qkvDim,
                       beta: 0, c: dp, ldc: n)
                for i in 0..<n {
                    let pr = p + i * n, dr = dp + i * n
                    var s: T = 0
                    for j in 0...i { s += pr[j] * dr[j] }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - s) }
                    if i + 1 < n { (dr + i + 1).update(repeating: 0, count: n - i - 1) }
                }
                T.gemm(.none, .none, m: n, n: hd, k: n, alpha: self.scale, a: dp, lda: n, b: k, ldb: self.qkvDim,
                       beta: 0, c: dq, ldc: self.qkvDim)
                T.gemm(.transposed, .none, m: n, n: hd, k: n, alpha: self.scale, a: dp, lda: n, b: q, ldb: self.qkvDim,
                       beta: 1, c: dk, ldc: self.qkvDim)
            }
        }
        forRange(R) { r in
            guard pb.tokenOfRow[r] >= 0 else { return }
            self.rope(dqkv + r * self.qkvDim, heads: self.heads, pos: pb.posOfRow[r], A, inverse: true)
            self.rope(dqkv + r * self.qkvDim + self.qDim, heads: self.kvHeads, pos: pb.posOfRow[r], A, inverse: true)
        }
        T.gemmParallel(.none, .none, m: R, n: d, k: qkvDim, alpha: 1, a: dqkv, lda: qkvDim, b: P + L.qkv, ldb: d,
                       beta: 0, c: dh, ldc: d)
        T.gemmParallel(.transposed, .none, m: qkvDim, n: d, k: R, alpha: 1, a: dqkv, lda: qkvDim, b: A.h1[l], ldb: d,
                       beta: 1, c: G + L.qkv, ldc: d)
        rmsNormBackward(dy: dh, x: A.res[l], weight: P + L.attnNorm, rstd: A.rstd1[l], pairs: (0..<R).map { ($0, $0) },
                        dx: dx, dw: G + L.attnNorm)
    }
}
