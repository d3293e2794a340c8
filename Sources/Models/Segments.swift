// Segment layout for inference passes: which activation row each token of each segment occupies
// and which LM-head input row each requested logit row uses, so that a token at absolute position p
// always sits on a row ≡ p (mod Llama.rowQuantum) — the rule that makes its bits independent of what
// else is in the batch.

import Tensors

extension Llama {
    // MARK: public forward API

    /// One run of consecutive tokens in a batched pass. It continues `cache` (attending over its
    /// positions 0..<cache.count; none: a fresh sequence), appends its own keys and values there
    /// when `append` is set, and asks for the logits of `logitRows` (0-based within `tokens`).
    public struct Segment {
        public var tokens: [Int]
        public var cache: KVCache?
        public var append: Bool
        public var logitRows: [Int]
        /// A decode step: one token appended to `cache`. Its attention reads the cache in place
        /// (`attentionDecode`) instead of the blocked prefill form; set by role (every step after a
        /// prompt), never by row count, so a sequence's bits do not depend on the batch it ran in.
        public var decodeStep: Bool
        public init(_ tokens: [Int], continuing cache: KVCache? = nil, append: Bool = false, logitRows: [Int],
                    decodeStep: Bool = false) {
            precondition(!decodeStep || (tokens.count == 1 && append && cache != nil), "a decode step appends one token to a cache")
            self.tokens = tokens
            self.cache = cache
            self.append = append
            self.logitRows = logitRows
            self.decodeStep = decodeStep
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

    // MARK: layout

    struct Placed {
        var row: Int          // first activation row
        var count: Int        // real tokens
        var past: Int         // cached positions before the first token
        var cache: KVCache?
        var headSlots: [Int]  // LM-head input row of each requested logit row
        var decodeStep = false
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
            placed[i] = Placed(row: cursor + gap, count: s.tokens.count, past: past, cache: s.cache, headSlots: slots,
                               decodeStep: s.decodeStep)
            cursor += gap + s.tokens.count
        }
        func roundUp(_ n: Int) -> Int { (n + q - 1) / q * q }
        return (placed.map { $0! }, roundUp(cursor), roundUp(head))
    }
}
