import Foundation
import XCTest
@testable import Evaluation

final class ScoringTests: XCTestCase {
    let tok = FakeTokenizer()

    // MARK: pair encoding (lm-eval _encode_pair)

    func testTrailingWhitespaceMovesIntoContinuation() {
        let m = PairEncoder.moveTrailingWhitespace(context: "Answer: \n", continuation: "A")
        XCTAssertEqual(m.context, "Answer:")
        XCTAssertEqual(m.continuation, " \nA")
        // Python str.isspace counts U+001C…U+001F; U+200B is not whitespace.
        XCTAssertEqual(PairEncoder.moveTrailingWhitespace(context: "a\u{1F}", continuation: "b").context, "a")
        XCTAssertEqual(PairEncoder.moveTrailingWhitespace(context: "a\u{200B}", continuation: "b").context, "a\u{200B}")
        // "\r\n" is one Character in Swift but two code points: both move.
        XCTAssertEqual(PairEncoder.moveTrailingWhitespace(context: "a\r\n", continuation: "b").continuation, "\r\nb")
    }

    func testContinuationIsWholeSlicedByContextLength() throws {
        let enc = PairEncoder(contextWindow: 100)
        // "q: " + "a": the space moves, and " a" becomes one merged token.
        let (ctx, cont) = try enc.encodePair(context: "q: ", continuation: "a", tokenizer: tok)
        XCTAssertEqual(ctx, try tok.encodePlain("q:"))
        XCTAssertEqual(cont, [32])  // " a"
        // Two spaces: " " then " b", as lm-eval's HellaSwag double-space endings.
        let (_, cont2) = try enc.encodePair(context: "x", continuation: "  b", tokenizer: tok)
        XCTAssertEqual(cont2, [62, 33])
        // Empty context starts from BOS.
        let (c3, k3) = try enc.encodePair(context: "", continuation: "ab", tokenizer: tok)
        XCTAssertEqual(c3, [0]); XCTAssertEqual(k3, [2, 3])
        // BOS option prepends BOS to the context only.
        let bos = PairEncoder(addBOS: true, contextWindow: 100)
        let (c4, k4) = try bos.encodePair(context: "ab", continuation: " c", tokenizer: tok)
        XCTAssertEqual(c4, [0, 2, 3]); XCTAssertEqual(k4, [34])
    }

    func testLeftTruncationToWindow() throws {
        let enc = PairEncoder(contextWindow: 5)
        let r = try enc.truncate(context: [10, 11, 12, 13, 14, 15], continuation: [20, 21], requestIndex: 0)
        // ctx+cont = 8 tokens; keep the last 6, drop the final one from the input.
        XCTAssertEqual(r.input, [12, 13, 14, 15, 20])
        XCTAssertEqual(r.targets, [20, 21])
        XCTAssertEqual(r.truncatedTokens, 2)
        XCTAssertEqual(r.scoredPositions, 3..<5)
        XCTAssertThrowsError(try enc.truncate(context: [1], continuation: [1, 2, 3, 4, 5, 6], requestIndex: 7)) {
            XCTAssertEqual($0 as? ScoringError, .continuationTooLong(request: 7, tokens: 6, window: 5))
        }
    }

    // MARK: log-softmax

    func testRowScoreMatchesFloat64Reference() {
        var row: [Float] = []
        FakeBackend.logits(prefix: [3, 4, 5], into: &row)
        let maxv = row.map(Double.init).max()!
        let lse = maxv + log(row.map { exp(Double($0) - maxv) }.reduce(0, +))
        for t in [0, 17, 62] {
            let s = row.withUnsafeBufferPointer { scoreRow($0, target: t) }
            XCTAssertEqual(Double(s.logprob), Double(row[t]) - lse, accuracy: 1e-5)
        }
        // Ties go to the lowest id.
        let tie: [Float] = [1, 3, 3, 2]
        XCTAssertTrue(tie.withUnsafeBufferPointer { scoreRow($0, target: 1) }.isArgmax)
        XCTAssertFalse(tie.withUnsafeBufferPointer { scoreRow($0, target: 2) }.isArgmax)
        let s = tie.withUnsafeBufferPointer { scoreRow($0, target: 0) }
        XCTAssertEqual(Double(s.logprob), 1 - (3 + log(exp(-2.0) + 2 + exp(-1.0))), accuracy: 1e-6)
    }

    // MARK: scheduling

    /// MMLU-like (a shared few-shot prefix, one-token answers), HellaSwag-like (multi-token
    /// endings) and duplicate requests.
    func workload() -> [LoglikelihoodRequest] {
        var reqs: [LoglikelihoodRequest] = []
        let shots = "the following are questions.\n\nq: abc?\nanswer: b\n\nq: de?\nanswer: a\n\n"
        for q in ["what is x?", "what is y?", "why z?", "what is xy?"] {
            for c in [" a", " b", " c", " d"] {
                reqs.append(.init(context: shots + "q: \(q)\nanswer:", continuation: c))
            }
        }
        for (ctx, ends) in [("a man sits on a roof. he", [" is ripping tiles.", " holds a cube.", "  starts pulling."]),
                            ("a lady walks. she", [" swings.", " pulls the bar.", " pulls the bar up."])] {
            for e in ends { reqs.append(.init(context: ctx, continuation: e)) }
        }
        reqs.append(reqs[3])
        reqs.append(reqs[17])
        reqs.append(.init(context: "x", continuation: ""))
        return reqs
    }

    func makeScorer(_ backend: FakeBackend, cache: URL? = nil, branches: Int = 2048,
                    rows: Int = 512) throws -> PrefixScorer {
        var o = ScoringOptions(cacheDirectory: cache)
        o.maxTokensPerPass = branches
        o.maxLogitRowsPerPass = rows
        return try PrefixScorer(backend: backend, tokenizer: tok, identity: "fake", options: o)
    }

    func testScheduledResultsEqualScoringFromScratch() throws {
        let backend = FakeBackend()
        let scorer = try makeScorer(backend)
        let reqs = workload()
        let encoded = try scorer.encode(reqs)
        let got = try scorer.loglikelihood(reqs)
        for (e, r) in zip(encoded, got) {
            let want = e.targets.isEmpty ? LoglikelihoodResult(logprob: 0, isGreedy: true) : naiveScore(e)
            XCTAssertEqual(r.logprob.bitPattern, want.logprob.bitPattern)
            XCTAssertEqual(r.isGreedy, want.isGreedy)
        }
        // Duplicates are identical and computed once.
        XCTAssertEqual(got[3], got[reqs.count - 3])
        XCTAssertEqual(scorer.stats.computedRequests, reqs.count - 3)
        // The few-shot prefix is computed once: far fewer tokens than lm-eval's one forward per context.
        let s = scorer.stats
        XCTAssertEqual(backend.tokensForwarded, s.tokensComputed)
        XCTAssertLessThan(Double(s.tokensComputed), 0.6 * Double(s.tokensLMEvalGrouping))
        XCTAssertLessThan(s.tokensLMEvalGrouping, s.tokensNaive)
    }

    /// Questions of two "subjects" (different few-shot blocks): each block is computed once, the
    /// questions of a subject run together, and no batch spans the subject boundary.
    func testBatchesShareEachFewShotBlockOnce() throws {
        var reqs: [LoglikelihoodRequest] = []
        let blocks = ["the following are questions about cats.\n\nq: abc?\nanswer: b\n\n",
                      "the following are questions about dogs and more dogs.\n\nq: de?\nanswer: a\n\n"]
        for shots in blocks {
            for q in ["what is x?", "what is y?", "why z?", "what is xy?", "how?"] {
                for c in [" a", " b", " c", " d"] { reqs.append(.init(context: shots + "q: \(q)\nanswer:", continuation: c)) }
            }
        }
        let backend = FakeBackend()
        let scorer = try makeScorer(backend)
        let encoded = try scorer.encode(reqs)
        let got = try scorer.loglikelihood(reqs)
        for (e, r) in zip(encoded, got) { XCTAssertEqual(r.logprob.bitPattern, naiveScore(e).logprob.bitPattern) }
        var seen = Set<EncodedRequest>()
        let plan = makeScoringPlan(encoded.filter { seen.insert($0).inserted })
        let batches = batchStems(plan, maxTokens: 2048, maxRows: 512)
        XCTAssertEqual(batches.count, 2)
        XCTAssertEqual(backend.calls, 4)   // per subject: its block into the cache, then all questions
        // Work: each block once (the second reusing what it shares with the first), plus each
        // question's own tail.
        let tok = FakeTokenizer()
        var expected = 0
        var commons: [[Int]] = []
        for shots in blocks {
            let shared = plan.filter { $0.tokens.starts(with: try! tok.encodePlain(shots)) }
            let common = sharedPrefixLength(shared[...])
            commons.append(Array(shared[0].tokens[..<common]))
            expected += common + shared.reduce(0) { $0 + $1.tokens.count - common }
        }
        expected -= commonPrefixLength(commons[0][...], commons[1][...])
        XCTAssertEqual(scorer.stats.tokensComputed, expected)
        XCTAssertLessThan(Double(expected), 0.45 * Double(scorer.stats.tokensLMEvalGrouping))
    }

    /// The dry-run plan counts exactly the work a real run does, for any pass budget.
    func testPlannedWorkEqualsTheWorkDone() throws {
        for (tokens, rows) in [(1, 1), (9, 4), (2048, 512)] {
            let scorer = try makeScorer(FakeBackend(), branches: tokens, rows: rows)
            let planned = try scorer.plannedWork(workload())
            _ = try scorer.loglikelihood(workload())
            XCTAssertEqual(planned.tokens, scorer.stats.tokensComputed, "budget \(tokens)/\(rows)")
            XCTAssertEqual(planned.logitRows, scorer.stats.logitRows, "budget \(tokens)/\(rows)")
        }
    }

    func testResultsIndependentOfOrderAndPassSizes() throws {
        let reqs = workload()
        let reference = try makeScorer(FakeBackend()).loglikelihood(reqs)
        var rng = SystemRandomNumberGenerator()
        for (branches, rows) in [(1, 1), (2, 3), (9, 4), (40, 8), (2048, 512)] {
            let perm = Array(reqs.indices).shuffled(using: &rng)
            let got = try makeScorer(FakeBackend(), branches: branches, rows: rows)
                .loglikelihood(perm.map { reqs[$0] })
            for (k, i) in perm.enumerated() {
                XCTAssertEqual(got[k].logprob.bitPattern, reference[i].logprob.bitPattern)
                XCTAssertEqual(got[k].isGreedy, reference[i].isGreedy)
            }
        }
    }

    func testTruncatedRequestsScoreWithinTheWindow() throws {
        let backend = FakeBackend(contextWindow: 12)
        let scorer = try makeScorer(backend)
        let reqs = [LoglikelihoodRequest(context: "abcdefghijklmnop", continuation: " xy"),
                    LoglikelihoodRequest(context: "abcdefghijklmnop", continuation: " z")]
        let got = try scorer.loglikelihood(reqs)
        let enc = try scorer.encode(reqs)
        XCTAssertEqual(got[0].truncatedTokens, 16 + 2 - 13)  // keep window + 1
        XCTAssertEqual(got[1].truncatedTokens, 16 + 1 - 13)
        for (e, r) in zip(enc, got) { XCTAssertEqual(r.logprob.bitPattern, naiveScore(e).logprob.bitPattern) }
        XCTAssertEqual(scorer.stats.truncatedTokens, 9)
    }

    // MARK: resumable cache

    func testCacheResumesAndReturnsIdenticalResults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-scoring-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reqs = workload()
        // An "interrupted" run that scored only the first 10 requests.
        _ = try makeScorer(FakeBackend(), cache: dir).loglikelihood(Array(reqs.prefix(10)))
        // Tear the file as a kill during a write would.
        let file = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)[0]
        let h = try FileHandle(forWritingTo: file); try h.seekToEnd()
        try h.write(contentsOf: Data("{\"key\":\"00ab".utf8)); try h.close()

        let backend = FakeBackend()
        let resumed = try makeScorer(backend, cache: dir)
        let got = try resumed.loglikelihood(reqs)
        XCTAssertEqual(resumed.stats.cachedRequests, 11)  // reqs[3] is repeated later
        let fresh = try makeScorer(FakeBackend()).loglikelihood(reqs)
        XCTAssertEqual(got.map(\.logprob.bitPattern), fresh.map(\.logprob.bitPattern))
        XCTAssertEqual(got.map(\.isGreedy), fresh.map(\.isGreedy))

        // Third run: everything from the cache, no model call.
        let idle = FakeBackend()
        let third = try makeScorer(idle, cache: dir)
        XCTAssertEqual(try third.loglikelihood(reqs), fresh)
        XCTAssertEqual(idle.calls, 0)
        XCTAssertEqual(third.stats.computedRequests, 0)
    }

    func testCorruptCacheLineIsATypedError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-scoring-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try makeScorer(FakeBackend(), cache: dir).loglikelihood(Array(workload().prefix(4)))
        let file = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)[0]
        let text = try String(contentsOf: file, encoding: .utf8)
        try ("garbage\n" + text).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try makeScorer(FakeBackend(), cache: dir)) {
            guard case .cacheFile(_, let line, _)? = $0 as? ScoringError else { return XCTFail("\($0)") }
            XCTAssertEqual(line, 1)
        }
    }

    // MARK: generation

    func testGenerationCutsAtFirstStopString() throws {
        let backend = FakeBackend()
        backend.scriptedGeneration = try tok.encodePlain("ab.\n\ncd") + [1] + [2]
        let scorer = try makeScorer(backend)
        let out = try scorer.generateUntil([
            GenerationRequest(context: "q:", until: ["\n\n", "."]),
            GenerationRequest(context: "q:", until: []),
        ])
        XCTAssertEqual(out[0], "ab")
        XCTAssertEqual(out[1], "ab.\n\ncd")  // EOS stops; the token after it is never produced
        XCTAssertEqual(cutAtFirstStop("xaybx", stops: ["b", "y"]), "xa")
    }
}
