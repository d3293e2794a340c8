// Greedy decoding of many prompts together. Each prompt is a segment with a KV cache of its own;
// every step is one `forward(segments:)` pass holding one new token per running row plus the
// prompts joining in that step, so the weights are read once for the whole batch. Rows leave when
// they finish and waiting prompts take their place.
//
// Why a continuation does not depend on the batch: forward(segments:) places each segment's
// token at position p on an activation row ≡ p (mod Gemm.rowQuantum) in a padded pass, which
// makes every logit row bit-identical to running that segment alone (Llama.swift). So a prompt's
// greedy tokens are the same whatever else runs with it, in whatever order, at any batch size.
// (Llama.generate's unpadded single-row steps may differ from these in the last bits.)
//
// Prompts sharing a leading run of tokens (TruthfulQA's fixed six-shot block) compute it once: a
// base cache holds the shared prefix and each row's cache continues it; a cache continuing
// another gives the same bits as one holding the whole sequence.
import Foundation
import Tensors

public struct GenerationJob {
    public var prompt: [Int]
    public var maxNewTokens: Int
    public init(prompt: [Int], maxNewTokens: Int) {
        self.prompt = prompt
        self.maxNewTokens = maxNewTokens
    }
}

public final class BatchedGenerator {
    public let model: Llama
    /// Rows decoding at once.
    public var maxBatch: Int
    /// A shared prefix shorter than this is not worth a base cache.
    public var minSharedPrefix = 16
    /// Sees every row's logits (job, step, logits); tests compare them bit for bit across batches.
    var observeLogits: ((Int, Int, [Float]) -> Void)? = nil

    public init(model: Llama, maxBatch: Int = 16) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        self.model = model
        self.maxBatch = maxBatch
    }

    private final class Row {
        let job: Int
        let cache: KVCache
        var out: [Int] = []
        var pending: [Int]      // tokens to feed in the next pass (the prompt's rest, then one token)
        init(job: Int, cache: KVCache, pending: [Int]) {
            self.job = job
            self.cache = cache
            self.pending = pending
        }
    }

    /// Greedy continuations of `jobs` (ties to the lowest id), in job order. A row stops after a
    /// stop id (kept in its output, as transformers' generate keeps EOS), after its token budget, or
    /// when `shouldStop(job, generated)` says so. `finished(job, generated)` is called as each row
    /// leaves (e.g. to store it in a cache). Jobs are admitted in the order given.
    public func generate(_ jobs: [GenerationJob], stopTokenIds: Set<Int>,
                         shouldStop: (Int, [Int]) -> Bool = { _, _ in false },
                         finished: (Int, [Int]) throws -> Void = { _, _ in }) throws -> [[Int]] {
        for j in jobs {
            try model.validate(j.prompt)
            precondition(!j.prompt.isEmpty, "generation needs a non-empty prompt")
        }
        var results = [[Int]](repeating: [], count: jobs.count)
        var queue = jobs.indices.filter { jobs[$0].maxNewTokens > 0 }.makeIterator()
        for i in jobs.indices where jobs[i].maxNewTokens <= 0 { try finished(i, []) }

        // One base cache for the prefix every prompt shares (all but each prompt's last token, so
        // every row still has a token to compute its first logits from).
        var shared = 0
        let live = jobs.filter { $0.maxNewTokens > 0 }
        if let first = live.first {
            shared = first.prompt.count - 1
            for j in live.dropFirst() {
                var k = 0
                let n = min(shared, j.prompt.count - 1)
                while k < n && j.prompt[k] == first.prompt[k] { k += 1 }
                shared = k
            }
        }
        var base: KVCache? = nil
        if shared >= minSharedPrefix, let first = live.first {
            let b = model.makeCache(capacity: shared)
            _ = model.forward(segments: [Llama.Segment(Array(first.prompt[0..<shared]), continuing: b,
                                                       append: true, logitRows: [])])
            base = b
        } else {
            shared = 0
        }

        var rows: [Row] = []
        while true {
            while rows.count < maxBatch, let i = queue.next() {
                let p = jobs[i].prompt
                // Room for the prompt and a first stretch of tokens; the cache grows by doubling, so a
                // row that stops early never holds its whole budget (IFEval's is 1280 tokens).
                let room = p.count - shared + min(jobs[i].maxNewTokens, 128)
                let cache = base.map { KVCache(continuing: $0, capacity: room) } ?? model.makeCache(capacity: room)
                rows.append(Row(job: i, cache: cache, pending: Array(p[shared...])))
            }
            if rows.isEmpty { break }
            let logits = model.forward(segments: rows.map {
                Llama.Segment($0.pending, continuing: $0.cache, append: true, logitRows: [$0.pending.count - 1],
                              decodeStep: !$0.out.isEmpty)
            })
            var keep: [Row] = []
            for (row, l) in zip(rows, logits) {
                observeLogits?(row.job, row.out.count, l)
                let next = l.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, $0.count) }
                row.out.append(next)
                row.pending = [next]
                if stopTokenIds.contains(next) || row.out.count >= jobs[row.job].maxNewTokens
                    || shouldStop(row.job, row.out) {
                    results[row.job] = row.out
                    try finished(row.job, row.out)
                } else {
                    keep.append(row)
                }
            }
            rows = keep
        }
        return results
    }
}
