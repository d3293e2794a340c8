// Llama forward (transformers' LlamaForCausalLM, f32): embedding, RMSNorm, RoPE, causal GQA
// attention, SwiGLU MLP, tied or untied head, with a KV cache, shared-prefix branches, padded batches
// and greedy generation.
//
// Invariance by construction. OpenBLAS rows are bit-stable only at the same position modulo
// rowQuantum (calibrated per model on the running kernel) in calls whose row count is a multiple of
// it (GemmTests). So in a (padded) pass,
// the token at absolute position p of a segment always sits at an activation row ≡ p (mod quantum),
// segments of different offsets packed to fill each other's gaps and the row count padded; the
// LM-head input places requested rows the same way; and
// attention runs on absolute query blocks of `queryBlock` positions with fixed-shape sgemm calls
// (keys 0..<block end, copied contiguous, zero beyond the sequence). A token's logits are then a
// function of the tokens up to it only: the same bits whether it is computed in one pass, token by
// token through the cache, after a truncated cache, as one branch among many, in a padded batch, or
// with any SFTGO_THREADS. generate() runs its decode steps as single unpadded rows for speed (its
// logits may differ from forward()'s in the last bits; greedy ids are tested against transformers).

import Checkpoints
import Foundation
import Tensors

public final class Llama {
    public let config: LlamaConfig
    public let parameters: LlamaParameters
    let rope: RopeTable
    let d: Int, qDim: Int, kvDim: Int, qkvDim: Int, inter: Int, headDim: Int, heads: Int, kvHeads: Int
    let eps: Float
    let scale: Float
    /// Rows of a padded pass are laid out modulo this many (GemmCalibration over this model's
    /// product shapes on the running OpenBLAS kernel).
    public let rowQuantum: Int
    /// Query positions per attention task (absolute blocks; each block's products are their own
    /// fixed-shape calls, so this does not depend on Gemm.rowQuantum).
    static let queryBlock = 48

    public convenience init(config: LlamaConfig, tensors: [String: NamedTensor]) throws {
        try self.init(config: config) { try $0.load(tensors) }
    }

    /// Checks the config, lays out the parameter buffer and lets `load` fill it.
    init(config: LlamaConfig, load: (LlamaParameters) throws -> Void) throws {
        guard LlamaConfig.supportedModelTypes.contains(config.modelType) else {
            throw ModelError.unsupported("model_type '\(config.modelType)'")
        }
        guard config.numAttentionHeads > 0, config.numKeyValueHeads > 0,
              config.numAttentionHeads % config.numKeyValueHeads == 0, config.headDim % 2 == 0 else {
            throw ModelError.unsupported("heads \(config.numAttentionHeads)/\(config.numKeyValueHeads), head_dim \(config.headDim)")
        }
        self.config = config
        d = config.hiddenSize
        headDim = config.headDim
        heads = config.numAttentionHeads
        kvHeads = config.numKeyValueHeads
        qDim = heads * headDim
        kvDim = kvHeads * headDim
        qkvDim = qDim + 2 * kvDim
        inter = config.intermediateSize
        eps = Float(config.rmsNormEps)
        scale = 1 / Float(headDim).squareRoot()
        rope = try RopeTable(config: config)
        rowQuantum = Llama.calibration(config: config).rowQuantum
        parameters = LlamaParameters(config: config)
        try load(parameters)
    }

    /// Weights are decoded from the mapped safetensors straight into the parameter buffer.
    public convenience init(directory: URL) throws {
        let config = try LlamaConfig.load(directory: directory)
        let files = try HFCheckpoint.open(directory: directory)
        try self.init(config: config) { try $0.load(from: files) }
    }

    /// The row quantum for every product a pass issues (attention's fixed query-block calls do not
    /// depend on it).
    public static func calibration(config c: LlamaConfig) -> GemmCalibration {
        let d = c.hiddenSize, qDim = c.numAttentionHeads * c.headDim, kvDim = c.numKeyValueHeads * c.headDim
        return GemmCalibration.forShapes([
            GemmShape(n: qDim + 2 * kvDim, k: d), GemmShape(n: d, k: qDim),
            GemmShape(n: 2 * c.intermediateSize, k: d), GemmShape(n: d, k: c.intermediateSize),
            GemmShape(n: c.vocabSize, k: d),
        ])
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.numHiddenLayers, kvDim: kvDim, capacity: capacity)
    }

    /// Throws for ids outside the vocabulary (forward functions assume valid ids).
    public func validate(_ tokens: [Int]) throws {
        for t in tokens where t < 0 || t >= config.vocabSize {
            throw ModelError.tokenOutOfRange(id: t, vocabSize: config.vocabSize)
        }
    }

    // MARK: public forward API

    /// One run of consecutive tokens in a batched pass. It continues `cache` (attending over its
    /// positions 0..<cache.count; none: a fresh sequence), appends its own keys and values there
    /// when `append` is set, and asks for the logits of `logitRows` (0-based within `tokens`).
    public struct Segment {
        public var tokens: [Int]
        public var cache: KVCache?
        public var append: Bool
        public var logitRows: [Int]
        public init(_ tokens: [Int], continuing cache: KVCache? = nil, append: Bool = false, logitRows: [Int]) {
            self.tokens = tokens
            self.cache = cache
            self.append = append
            self.logitRows = logitRows
        }
    }

    /// Any mix of segments (continuations of different caches, fresh sequences, appends to distinct
    /// caches) in one pass; returns per segment its logits, row-major [logitRows.count × vocab].
    /// Each result is bit-identical to running that segment alone.
    public func forward(segments: [Segment]) -> [[Float]] {
        run(segments, padded: true)
    }

    /// Appends `tokens` to the cache (positions cache.count...) and returns logits, row-major
    /// [rows.count × vocab], only for the requested row indices into `tokens`.
    public func forward(_ tokens: [Int], cache: KVCache, logitsFor rows: [Int]) -> [Float] {
        run([Segment(tokens, continuing: cache, append: true, logitRows: rows)], padded: true)[0]
    }

    /// Several branches continuing the cached prefix, projected as one matmul; the cache keeps only
    /// the prefix. Bit-identical to forward() of each branch alone on the same prefix.
    public func forwardBranches(_ branches: [[Int]], after cache: KVCache, logitsFor rows: [[Int]]) -> [[Float]] {
        precondition(branches.count == rows.count, "one row list per branch")
        return run(zip(branches, rows).map { Segment($0, continuing: cache, logitRows: $1) }, padded: true)
    }

    /// Independent sequences (no cache); each result equals forward() of that sequence alone on an
    /// empty cache, bit for bit.
    public func forwardBatch(_ sequences: [[Int]], logitsFor rows: [[Int]]) -> [[Float]] {
        precondition(sequences.count == rows.count, "one row list per sequence")
        return run(zip(sequences, rows).map { Segment($0, logitRows: $1) }, padded: true)
    }

    /// Greedy decoding with the KV cache; ties go to the lowest id. Stops after a stop id (which is
    /// included, as transformers' generate does), after maxNewTokens, or when shouldStop(generated).
    public func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                         shouldStop: (([Int]) -> Bool)? = nil) -> [Int] {
        guard !prompt.isEmpty, maxNewTokens > 0 else { return [] }
        let cache = makeCache(capacity: prompt.count + maxNewTokens)
        var logits = forward(prompt, cache: cache, logitsFor: [prompt.count - 1])
        var out: [Int] = []
        while true {
            let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, $0.count) }
            out.append(next)
            if stopTokenIds.contains(next) || out.count >= maxNewTokens || (shouldStop?(out) ?? false) { break }
            logits = run([Segment([next], continuing: cache, append: true, logitRows: [0])], padded: false)[0]
        }
        return out
    }

    // MARK: the pass

    struct Placed {
        var row: Int          // first activation row
        var count: Int        // real tokens
        var past: Int         // cached positions before the first token
        var cache: KVCache?
        var headSlots: [Int]  // LM-head input row of each requested logit row
    }

    /// Lays segments out so that position p sits on a row ≡ p (mod quantum): segments are taken in
    /// the order that leaves the smallest gap before each (ties: input order), so short segments
    /// with different offsets fill each other's padding. Returns placements in input order and the
    /// padded row counts of the body and of the LM-head input.
    func layout(_ segs: [Segment], quantum q: Int) -> (placed: [Placed], rows: Int, headRows: Int) {
        var placed = [Placed?](repeating: nil, count: segs.count)
        var byOffset = [[Int]](repeating: [], count: q)   // pending segment indices by past mod q
        for (i, s) in segs.enumerated().reversed() { byOffset[(s.cache?.count ?? 0) % q].append(i) }
        var cursor = 0, head = 0
        for _ in segs.indices {
            var gap = 0
            while byOffset[(cursor + gap) % q].isEmpty { gap += 1 }
            let i = byOffset[(cursor + gap) % q].removeLast()
            let s = segs[i], past = s.cache?.count ?? 0
            var slots: [Int] = []
            for r in s.logitRows {
                let slot = head + ((past + r - head) % q + q) % q
                slots.append(slot)
                head = slot + 1
            }
            placed[i] = Placed(row: cursor + gap, count: s.tokens.count, past: past, cache: s.cache, headSlots: slots)
            cursor += gap + s.tokens.count
        }
        func roundUp(_ n: Int) -> Int { (n + q - 1) / q * q }
        return (placed.map { $0! }, roundUp(cursor), roundUp(head))
    }

    func run(_ input: [Segment], padded: Bool) -> [[Float]] {
        var appendTargets = Set<ObjectIdentifier>()
        var longest = 0
        for s in input {
            for r in s.logitRows { precondition(r >= 0 && r < s.tokens.count, "logit row \(r) outside 0..<\(s.tokens.count)") }
            for t in s.tokens { precondition(t >= 0 && t < config.vocabSize, "token id \(t) outside the vocabulary") }
            if s.append {
                guard let c = s.cache else { preconditionFailure("append needs a cache") }
                precondition(appendTargets.insert(ObjectIdentifier(c)).inserted, "two segments append to one cache")
                c.reserve(c.count + s.tokens.count)
            }
            longest = max(longest, (s.cache?.count ?? 0) + s.tokens.count)
        }
        precondition(padded || input.allSatisfy { $0.cache?.base == nil }, "unpadded passes read plain caches only")
        rope.ensure(longest + 1)
        let (segs, total, headTotal) = layout(input, quantum: padded ? rowQuantum : 1)
        if total == 0 { return input.map { _ in [] } }

        let x = Buffer(total * d), h = Buffer(total * d), tmp = Buffer(total * d)
        let qkv = Buffer(total * qkvDim), attn = Buffer(total * qDim)
        let gu = Buffer(total * 2 * inter), act = Buffer(total * inter)
        defer { [x, h, tmp, qkv, attn, gu, act].forEach { $0.free() } }
        let realRows: [Int] = segs.flatMap { s in (s.row..<(s.row + s.count)) }
        let P = parameters

        // Embedding.
        for (s, seg) in input.enumerated() {
            for (i, t) in seg.tokens.enumerated() { (x.p + (segs[s].row + i) * d).update(from: P[P.embed + t * d], count: d) }
        }
        for (l, L) in P.layers.enumerated() {
            // Attention block.
            forRows(realRows) { r in Kernels.rmsNorm(x.p + r * d, weight: P[L.attnNorm], eps: self.eps, h.p + r * d, self.d) }
            Gemm.parallel(.none, .transposed, m: total, n: qkvDim, k: d, a: h.p, lda: d, b: P[L.wq], ldb: d,
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
            // MLP block.
            forRows(realRows) { r in Kernels.rmsNorm(x.p + r * d, weight: P[L.mlpNorm], eps: self.eps, h.p + r * d, self.d) }
            Gemm.parallel(.none, .transposed, m: total, n: 2 * inter, k: d, a: h.p, lda: d, b: P[L.wGate], ldb: d,
                          c: gu.p, ldc: 2 * inter)
            forRows(realRows) { r in
                let g = gu.p + r * 2 * self.inter
                Kernels.swiglu(gate: g, up: g + self.inter, act.p + r * self.inter, self.inter)
            }
            Gemm.parallel(.none, .transposed, m: total, n: d, k: inter, a: act.p, lda: inter, b: P[L.wDown], ldb: inter,
                          c: tmp.p, ldc: d)
            forRows(realRows) { r in Kernels.add(tmp.p + r * self.d, into: x.p + r * self.d, self.d) }
        }
        for (s, seg) in input.enumerated() where seg.append { seg.cache!.append(count: segs[s].count) }

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

    // MARK: helpers

    /// Runs body over rows in parallel when there is enough work.
    @inline(__always) func forRows(_ rows: [Int], _ body: (Int) -> Void) {
        if rows.count < 8 { for r in rows { body(r) }; return }
        ThreadPool.forEachSlice(rows.count) { range in for i in range { body(rows[i]) } }
    }

    @inline(__always) func forRange(_ n: Int, _ body: (Int) -> Void) {
        if n < 8 { for i in 0..<n { body(i) }; return }
        ThreadPool.forEachSlice(n) { range in for i in range { body(i) } }
    }
}

/// A zero-initialised scratch array (explicitly freed; no per-element allocation in hot loops).
final class Buffer {
    let p: UnsafeMutablePointer<Float>
    init(_ n: Int) {
        p = .allocate(capacity: max(n, 1))
        p.initialize(repeating: 0, count: max(n, 1))
    }
    func free() { p.deallocate() }
}

/// Index of the largest value; ties go to the lowest index (torch.argmax).
public func argmax(_ v: [Float]) -> Int {
    v.withUnsafeBufferPointer { $0.isEmpty ? 0 : Kernels.argmax($0.baseAddress!, $0.count) }
}
