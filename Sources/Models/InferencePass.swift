// One inference pass over laid-out segments: embedding, the decoder layers (Attention.swift,
// MLP.swift), and the final norm + LM head for the requested rows (Head.swift). Scratch rows are
// allocated per pass and freed at its end.

import Tensors

/// The activation rows of one inference pass.
struct PassBuffers {
    let total: Int
    let realRows: [Int]
    let x: Buffer, h: Buffer, tmp: Buffer, qkv: Buffer, attn: Buffer, gu: Buffer, act: Buffer

    init(total: Int, realRows: [Int], d: Int, qkvDim: Int, qDim: Int, inter: Int) {
        self.total = total
        self.realRows = realRows
        x = Buffer(total * d); h = Buffer(total * d); tmp = Buffer(total * d)
        qkv = Buffer(total * qkvDim); attn = Buffer(total * qDim)
        gu = Buffer(total * 2 * inter); act = Buffer(total * inter)
    }

    func free() { [x, h, tmp, qkv, attn, gu, act].forEach { $0.free() } }
}

extension Llama {
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

        let realRows: [Int] = segs.flatMap { s in (s.row..<(s.row + s.count)) }
        let B = PassBuffers(total: total, realRows: realRows, d: d, qkvDim: qkvDim, qDim: qDim, inter: inter)
        defer { B.free() }
        let P = parameters, x = B.x

        // Embedding.
        for (s, seg) in input.enumerated() {
            for (i, t) in seg.tokens.enumerated() { (x.p + (segs[s].row + i) * d).update(from: P[P.embed + t * d], count: d) }
        }
        for l in 0..<config.numHiddenLayers {
            attentionBlock(layer: l, B, segs: segs, input: input, padded: padded)
            mlpBlock(layer: l, B)
        }
        for (s, seg) in input.enumerated() where seg.append { seg.cache!.append(count: segs[s].count) }

        return headLogits(input, segs: segs, headTotal: headTotal, x: x, padded: padded)
    }
}
