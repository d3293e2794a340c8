// Executes log-likelihood requests on a PrefixScoringBackend with prefix reuse (ScoringPlan),
// de-duplication and the on-disk result cache. The LanguageModel implementations delegate here.
import Foundation
import Tensors

public struct ScoringOptions: Sendable {
    /// Prepend BOS to every context (lm-eval >= 0.4.9.2 behaviour); off in 0.4.8.
    public var addBOS: Bool = false
    /// Overrides the window read from the model config (lm-eval's `max_length` model argument).
    public var maxLength: Int? = nil
    /// Directory of the resumable result cache; nil disables it.
    public var cacheDirectory: URL? = nil
    /// Upper bounds on one batched pass: token positions (activations) and logit rows (logits are
    /// rows × vocab floats). They bound memory; the schedule is derived from the requests' tokens
    /// only, never from the caller's batch size, and results do not depend on it.
    public var maxTokensPerPass: Int = 2048
    public var maxLogitRowsPerPass: Int = 512
    public init(addBOS: Bool = false, maxLength: Int? = nil, cacheDirectory: URL? = nil) {
        self.addBOS = addBOS
        self.maxLength = maxLength
        self.cacheDirectory = cacheDirectory
    }
}

/// Work counters for the benchmark: what prefix reuse saved.
public struct ScoringStats: Sendable, Equatable {
    /// Requests passed in, and those actually computed (not duplicates, not from the cache).
    public var requests = 0
    public var computedRequests = 0
    public var cachedRequests = 0
    /// Token positions run through the model.
    public var tokensComputed = 0
    /// Positions lm-eval 0.4.8 would run: one forward per distinct input (its logits cache).
    public var tokensLMEvalGrouping = 0
    /// Positions a scorer without any sharing would run: one forward per request.
    public var tokensNaive = 0
    /// Logit rows (LM-head work) computed.
    public var logitRows = 0
    /// Scored (continuation) tokens.
    public var scoredTokens = 0
    /// Context tokens removed by left truncation, summed over requests.
    public var truncatedTokens = 0
    public var seconds = 0.0
    public init() {}

    public var scoredTokensPerSecond: Double { seconds > 0 ? Double(scoredTokens) / seconds : 0 }
    public var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    /// Fraction of lm-eval's token work left after prefix reuse (lower is better).
    public var reuseRatio: Double {
        tokensLMEvalGrouping > 0 ? Double(tokensComputed) / Double(tokensLMEvalGrouping) : 1
    }

    public static func + (a: ScoringStats, b: ScoringStats) -> ScoringStats {
        var s = a
        s.requests += b.requests; s.computedRequests += b.computedRequests
        s.cachedRequests += b.cachedRequests; s.tokensComputed += b.tokensComputed
        s.tokensLMEvalGrouping += b.tokensLMEvalGrouping; s.tokensNaive += b.tokensNaive
        s.logitRows += b.logitRows; s.scoredTokens += b.scoredTokens
        s.truncatedTokens += b.truncatedTokens; s.seconds += b.seconds
        return s
    }
}

/// Implemented by models that count their scoring work (the benchmark reads it).
public protocol ScoringStatsReporting: AnyObject {
    var stats: ScoringStats { get }
    func resetStats()
}

extension ScoringStats {
    /// One line for the benchmark: throughput and what prefix reuse saved.
    public func summary(items: Int? = nil) -> String {
        var parts = [String(format: "%d requests (%d computed, %d from cache) in %.2f s",
                            requests, computedRequests, cachedRequests, seconds)]
        if let n = items, seconds > 0 { parts.append(String(format: "%.2f items/s", Double(n) / seconds)) }
        parts.append(String(format: "%.1f scored tokens/s", scoredTokensPerSecond))
        parts.append(String(format: "tokens computed %d vs %d with lm-eval's grouping (%.1f%%) and %d naive",
                            tokensComputed, tokensLMEvalGrouping, 100 * reuseRatio, tokensNaive))
        parts.append("\(logitRows) logit rows")
        if truncatedTokens > 0 { parts.append("\(truncatedTokens) context tokens truncated") }
        return parts.joined(separator: ", ")
    }
}

public final class PrefixScorer: ScoringStatsReporting {
    public let backend: PrefixScoringBackend
    public let tokenizer: ScoringTokenizer
    public let identity: String
    public let options: ScoringOptions
    public let encoder: PairEncoder
    /// Counters accumulated over every call since creation (or `resetStats()`).
    public private(set) var stats = ScoringStats()
    private let cache: ResultCache?
    /// Mirror of the tokens held in the backend's KV cache.
    private var cachedTokens: [Int] = []

    public init(backend: PrefixScoringBackend, tokenizer: ScoringTokenizer, identity: String,
                options: ScoringOptions) throws {
        self.backend = backend
        self.tokenizer = tokenizer
        self.options = options
        let window = options.maxLength ?? backend.contextWindow
        self.encoder = PairEncoder(addBOS: options.addBOS, contextWindow: window)
        // The identity covers everything that changes a result.
        let fullIdentity = identity + "|bos=\(options.addBOS)|window=\(window)"
        self.identity = fullIdentity
        self.cache = try options.cacheDirectory.map { try ResultCache(directory: $0, identity: fullIdentity) }
        try backend.truncatePrefix(to: 0)
    }

    public func resetStats() { stats = ScoringStats() }

    public func encode(_ requests: [LoglikelihoodRequest]) throws -> [EncodedRequest] {
        try requests.enumerated().map { try encoder.encode($0.element, index: $0.offset, tokenizer: tokenizer) }
    }

    public func loglikelihood(_ requests: [LoglikelihoodRequest],
                              progress: ((Int) -> Void)? = nil) throws -> [LoglikelihoodResult] {
        try loglikelihood(encoded: try encode(requests), progress: progress)
    }

    public func loglikelihood(encoded: [EncodedRequest],
                              progress: ((Int) -> Void)? = nil) throws -> [LoglikelihoodResult] {
        let start = Date()
        var run = ScoringStats()
        run.requests = encoded.count
        // De-duplicate: identical token sequences get one computation, hence identical results.
        var uniqueIndex: [EncodedRequest: Int] = [:]
        var unique: [EncodedRequest] = []
        var multiplicity: [Int] = []
        var slot = [Int](repeating: 0, count: encoded.count)
        for (i, r) in encoded.enumerated() {
            if let u = uniqueIndex[r] { slot[i] = u; multiplicity[u] += 1; continue }
            uniqueIndex[r] = unique.count
            slot[i] = unique.count
            unique.append(r)
            multiplicity.append(1)
        }
        for r in encoded {
            run.tokensNaive += r.input.count
            run.scoredTokens += r.targets.count
            run.truncatedTokens += r.truncatedTokens
        }
        run.tokensLMEvalGrouping = Set(unique.filter { !$0.targets.isEmpty }.map(\.input))
            .reduce(0) { $0 + $1.count }

        var results = [LoglikelihoodResult?](repeating: nil, count: unique.count)
        var keys: [RequestKey] = []
        var done = 0
        var todo: [EncodedRequest] = []
        var todoToUnique: [Int] = []
        for (u, r) in unique.enumerated() {
            let key = requestKey(identity: identity, r)
            keys.append(key)
            if r.targets.isEmpty {
                // lm-eval: an empty continuation sums nothing and is trivially greedy.
                results[u] = LoglikelihoodResult(logprob: 0, isGreedy: true, truncatedTokens: r.truncatedTokens)
            } else if let hit = cache?[key] {
                results[u] = hit
                run.cachedRequests += multiplicity[u]
            } else {
                todo.append(r)
                todoToUnique.append(u)
                continue
            }
            done += multiplicity[u]
        }
        if done > 0 { progress?(done) }
        run.computedRequests = todo.count

        let plan = makeScoringPlan(todo)
        for batch in batchStems(plan, maxTokens: options.maxTokensPerPass, maxRows: options.maxLogitRowsPerPass) {
            let scored = try compute(Array(plan[batch]), requests: todo, stats: &run)
            var fresh: [(RequestKey, LoglikelihoodResult)] = []
            for (t, result) in scored {
                let u = todoToUnique[t]
                results[u] = result
                fresh.append((keys[u], result))
                done += multiplicity[u]
            }
            try cache?.store(fresh)
            progress?(done)
        }
        run.seconds = Date().timeIntervalSince(start)
        stats = stats + run
        return slot.map { results[$0]! }
    }

    /// How one batch of stems is run: what goes into the cache first (with the logit rows read
    /// from it), and whether the batch is a single stem over the pass budgets (then the whole stem
    /// goes into the cache and its branches run in budgeted chunks) or one tree call.
    struct BatchStep {
        var prefix: [Int]
        var prefixRows: [Int]
        var oversized: Bool
        var work: Int         // positions computed beyond the prefix
        var logitRows: Int    // all logit rows of the batch
    }

    func step(for stems: ArraySlice<PlannedStem>) -> BatchStep {
        let shared = sharedPrefixLength(stems)
        let work = stems.reduce(0) { $0 + $1.work(after: shared) }
        let rows = stems.reduce(0) { $0 + $1.logitRowCount }
        let first = stems.first!
        if stems.count == 1 && (work > options.maxTokensPerPass || rows > options.maxLogitRowsPerPass) {
            return BatchStep(prefix: first.tokens, prefixRows: first.rows, oversized: true,
                             work: first.branches.reduce(0) { $0 + $1.tokens.count }, logitRows: rows)
        }
        return BatchStep(prefix: Array(first.tokens[..<shared]), prefixRows: [], oversized: false, work: work, logitRows: rows)
    }

    /// Positions of `tokens` a cache holding `cached` can keep: their common prefix, but not past
    /// the first row whose logits are read.
    static func reusable(_ cached: [Int], for tokens: [Int], rows: [Int]) -> Int {
        let common = commonPrefixLength(cached[...], tokens[...])
        return rows.first.map { min(common, $0) } ?? common
    }

    /// The work loglikelihood(requests) would do from an empty cache, planned without running the
    /// model: token positions computed and logit rows (for --dry-run estimates).
    public func plannedWork(_ requests: [LoglikelihoodRequest]) throws -> (tokens: Int, logitRows: Int) {
        var seen = Set<EncodedRequest>()
        let todo = try encode(requests).filter { !$0.targets.isEmpty && seen.insert($0).inserted }
        let plan = makeScoringPlan(todo)
        var cached: [Int] = []
        var tokens = 0, rows = 0
        for batch in batchStems(plan, maxTokens: options.maxTokensPerPass, maxRows: options.maxLogitRowsPerPass) {
            let step = step(for: plan[batch])
            tokens += step.prefix.count - PrefixScorer.reusable(cached, for: step.prefix, rows: step.prefixRows) + step.work
            rows += step.logitRows
            cached = step.prefix
        }
        return (tokens, rows)
    }

    /// Sets the backend's cache to `tokens` (reusing what it already holds) and returns the
    /// logits of `rows` (ascending, ≥ the reused part), in chunks within the pass budgets.
    private func setPrefix(_ tokens: [Int], rows: [Int], stats: inout ScoringStats) throws -> [Float] {
        var start = PrefixScorer.reusable(cachedTokens, for: tokens, rows: rows)
        if start < cachedTokens.count {
            try backend.truncatePrefix(to: start)
            cachedTokens.removeSubrange(start...)
        }
        var out: [Float] = []
        var r = rows.startIndex
        while start < tokens.count {
            var end = min(tokens.count, start + options.maxTokensPerPass)
            let r0 = r
            while r < rows.endIndex, rows[r] < end, r - r0 < options.maxLogitRowsPerPass { r += 1 }
            if r < rows.endIndex, rows[r] < end { end = rows[r] }   // row budget reached
            let piece = Array(tokens[start..<end])
            let logits = try backend.extendPrefix(piece, logitsFor: rows[r0..<r].map { $0 - start })
            guard logits.count == (r - r0) * backend.vocabularySize else {
                throw ScoringError.backendShape("extendPrefix returned \(logits.count) floats for \(r - r0) rows")
            }
            out += logits
            cachedTokens += piece
            stats.tokensComputed += piece.count
            stats.logitRows += r - r0
            start = end
        }
        return out
    }

    /// Computes a batch of stems (see batchStems) and returns (request index in `requests`, result).
    private func compute(_ stems: [PlannedStem], requests: [EncodedRequest],
                         stats: inout ScoringStats) throws -> [(Int, LoglikelihoodResult)] {
        let vocab = backend.vocabularySize
        let step = step(for: stems[...])
        var stemLogits: [[Float]] = []
        var branchLogits: [[[Float]]] = []
        let prefixLogits = try setPrefix(step.prefix, rows: step.prefixRows, stats: &stats)
        if step.oversized {
            // One stem over budget: it is in the cache now; its branches run in budgeted chunks.
            let stem = stems[0]
            stemLogits = [prefixLogits]
            var all: [[Float]] = []
            var b = 0
            while b < stem.branches.count {
                var end = b, t = 0, r = 0
                while end < stem.branches.count, end == b || (t + stem.branches[end].tokens.count <= options.maxTokensPerPass
                        && r + stem.branches[end].rows.count <= options.maxLogitRowsPerPass) {
                    t += stem.branches[end].tokens.count; r += stem.branches[end].rows.count; end += 1
                }
                let chunk = stem.branches[b..<end]
                let out = try backend.scoreTree(chunk.map { TreeStem(tokens: $0.tokens, rows: $0.rows) })
                guard out.count == chunk.count else {
                    throw ScoringError.backendShape("scoreTree returned \(out.count) results for \(chunk.count) stems")
                }
                all += out.map(\.stem)
                stats.tokensComputed += t
                stats.logitRows += r
                b = end
            }
            branchLogits = [all]
        } else {
            let shared = step.prefix.count
            let tree = stems.map { s in
                TreeStem(tokens: Array(s.tokens[shared...]), rows: s.rows.map { $0 - shared },
                         branches: s.branches.map(\.tokens), branchRows: s.branches.map(\.rows))
            }
            let out = try backend.scoreTree(tree)
            guard out.count == tree.count else {
                throw ScoringError.backendShape("scoreTree returned \(out.count) results for \(tree.count) stems")
            }
            stemLogits = out.map(\.stem)
            branchLogits = out.map(\.branches)
            stats.tokensComputed += step.work
            stats.logitRows += step.logitRows
        }

        // Score every request straight from its logit rows (no copies), in parallel: each result
        // depends on its own rows only, summed in token order.
        var jobs: [(stem: Int, request: Int, sources: [RowSource])] = []
        for (i, stem) in stems.enumerated() {
            guard stemLogits[i].count == stem.rows.count * vocab, branchLogits[i].count == stem.branches.count,
                  zip(branchLogits[i], stem.branches).allSatisfy({ $0.count == $1.rows.count * vocab }) else {
                throw ScoringError.backendShape("logit rows do not match the rows asked for")
            }
            for (request, sources) in stem.requests { jobs.append((i, request, sources)) }
        }
        let stemRowIndex = stems.map { s in Dictionary(uniqueKeysWithValues: s.rows.enumerated().map { ($1, $0) }) }
        let branchRowIndex = stems.map { s in s.branches.map { b in Dictionary(uniqueKeysWithValues: b.rows.enumerated().map { ($1, $0) }) } }
        var scores = [(Double, Bool)](repeating: (0, true), count: jobs.count)
        scores.withUnsafeMutableBufferPointer { out in
            ThreadPool.forEachTask(jobs.count) { j in
                let job = jobs[j], i = job.stem, targets = requests[job.request].targets
                var total: Float = 0
                var greedy = true
                for (k, src) in job.sources.enumerated() {
                    let s: RowScore
                    switch src {
                    case .stem(let p):
                        let row = stemRowIndex[i][p]!
                        s = stemLogits[i].withUnsafeBufferPointer {
                            scoreRow(UnsafeBufferPointer(rebasing: $0[(row * vocab)..<((row + 1) * vocab)]), target: targets[k])
                        }
                    case let .branch(bi, p):
                        let row = branchRowIndex[i][bi][p]!
                        s = branchLogits[i][bi].withUnsafeBufferPointer {
                            scoreRow(UnsafeBufferPointer(rebasing: $0[(row * vocab)..<((row + 1) * vocab)]), target: targets[k])
                        }
                    }
                    total += s.logprob
                    greedy = greedy && s.isArgmax
                }
                out[j] = (Double(total), greedy)
            }
        }
        let results = zip(jobs, scores).map { job, score in
            (job.request, LoglikelihoodResult(logprob: score.0, isGreedy: score.1,
                                              truncatedTokens: requests[job.request].truncatedTokens))
        }
        return results
    }

    // MARK: generation (lm-eval generate_until, eval-spec §1.4)

    public func generateUntil(_ requests: [GenerationRequest],
                              progress: ((Int) -> Void)? = nil) throws -> [String] {
        var outputs: [String] = []
        let window = encoder.contextWindow
        var stopIds = Set<Int>()
        if let eos = tokenizer.eosTokenId { stopIds.insert(eos) }
        for (i, req) in requests.enumerated() {
            var prompt = try tokenizer.encodePlain(req.context)
            if options.addBOS, let bos = tokenizer.bosTokenId, prompt.first != bos { prompt.insert(bos, at: 0) }
            let keep = max(1, window - req.maxGenTokens)
            if prompt.count > keep { prompt = Array(prompt.suffix(keep)) }
            let stops = req.until.filter { !$0.isEmpty }
            let generated = try backend.generate(
                prompt: prompt, maxNewTokens: req.maxGenTokens, stopTokenIds: stopIds,
                shouldStop: { [tokenizer] ids in
                    // Early exit once a stop string has appeared; the output is cut below anyway.
                    guard !stops.isEmpty, let text = try? tokenizer.decodeSkippingSpecial(ids) else { return false }
                    return stops.contains { text.contains($0) }
                })
            cachedTokens = []  // generation may reuse the backend's cache
            try backend.truncatePrefix(to: 0)
            outputs.append(cutAtFirstStop(try tokenizer.decodeSkippingSpecial(generated), stops: stops))
            progress?(i + 1)
        }
        return outputs
    }
}

/// Text up to the earliest occurrence of any stop string (lm-eval cuts at each in turn).
func cutAtFirstStop(_ text: String, stops: [String]) -> String {
    var cut = text.endIndex
    for s in stops where !s.isEmpty {
        if let r = text.range(of: s, options: .literal), r.lowerBound < cut { cut = r.lowerBound }
    }
    return String(text[..<cut])
}
