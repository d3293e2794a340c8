// A tiny deterministic model and tokenizer for testing the scheduling logic without the engine.
// The fake's logits at position p are a pseudo-random function of tokens[0...p] only, exactly like
// a causal LM, so any correct schedule must give bit-identical results to scoring from scratch.
import Foundation
@testable import Evaluation

/// Characters: an alphabet of 30 symbols (ids 2…31); a space merges with the following symbol
/// (ids 32…61, like byte-level BPE's " x"); a lone space is 62. BOS 0, EOS 1.
final class FakeTokenizer: ScoringTokenizer {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz.:?\n")
    static let vocabularySize = 63
    var bosTokenId: Int? = 0
    var eosTokenId: Int? = 1

    func encodePlain(_ text: String) throws -> [Int] {
        var ids: [Int] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == " " {
                if i + 1 < chars.count, let k = Self.alphabet.firstIndex(of: chars[i + 1]) {
                    ids.append(32 + k); i += 2; continue
                }
                ids.append(62); i += 1; continue
            }
            guard let k = Self.alphabet.firstIndex(of: chars[i]) else {
                throw ScoringError.model("fake tokenizer: unsupported character \(chars[i])")
            }
            ids.append(2 + k); i += 1
        }
        return ids
    }

    func decodeSkippingSpecial(_ ids: [Int]) throws -> String {
        var s = ""
        for id in ids {
            switch id {
            case 0, 1: continue
            case 2..<32: s.append(Self.alphabet[id - 2])
            case 32..<62: s.append(" "); s.append(Self.alphabet[id - 32])
            case 62: s.append(" ")
            default: throw ScoringError.model("fake tokenizer: bad id \(id)")
            }
        }
        return s
    }
}

final class FakeBackend: PrefixScoringBackend {
    let vocabularySize = FakeTokenizer.vocabularySize
    var contextWindow: Int
    private(set) var cache: [Int] = []
    var tokensForwarded = 0
    var calls = 0
    /// Scripted greedy output for generate(): token sequence emitted regardless of the prompt.
    var scriptedGeneration: [Int] = []

    init(contextWindow: Int = 4096) { self.contextWindow = contextWindow }

    var prefixCount: Int { cache.count }

    /// Logits at the last position of `prefix`: a hash-seeded pseudo-random row.
    static func logits(prefix: ArraySlice<Int>, into out: inout [Float]) {
        var h: UInt64 = 0x9e3779b97f4a7c15
        for t in prefix { h = (h ^ UInt64(t)) &* 0x100000001b3; h ^= h >> 29 }
        for v in 0..<FakeTokenizer.vocabularySize {
            var z = h &+ UInt64(v) &* 0xbf58476d1ce4e5b9
            z = (z ^ (z >> 31)) &* 0x94d049bb133111eb
            z ^= z >> 29
            out.append(Float(Int(z % 20000)) / 1000 - 10)  // in [-10, 10)
        }
    }

    func truncatePrefix(to count: Int) throws {
        precondition(count <= cache.count)
        cache.removeSubrange(count...)
    }

    func extendPrefix(_ tokens: [Int], logitsFor rows: [Int]) throws -> [Float] {
        calls += 1
        let base = cache.count
        cache += tokens
        precondition(cache.count <= contextWindow, "fake: cache over the window")
        tokensForwarded += tokens.count
        var out: [Float] = []
        for r in rows { Self.logits(prefix: cache[...(base + r)], into: &out) }
        return out
    }

    func scoreTree(_ stems: [TreeStem]) throws -> [TreeLogits] {
        calls += 1
        func score(_ seq: [Int], from start: Int, rows: [Int]) -> [Float] {
            tokensForwarded += seq.count - start
            var out: [Float] = []
            for r in rows { Self.logits(prefix: seq[...(start + r)], into: &out) }
            return out
        }
        return stems.map { s in
            let stem = cache + s.tokens
            precondition(stem.count + (s.branches.map(\.count).max() ?? 0) <= contextWindow, "fake: over the window")
            return TreeLogits(stem: score(stem, from: cache.count, rows: s.rows),
                              branches: zip(s.branches, s.branchRows).map { score(stem + $0, from: stem.count, rows: $1) })
        }
    }

    func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                  shouldStop: ([Int]) -> Bool) throws -> [Int] {
        cache = prompt
        var out: [Int] = []
        for t in scriptedGeneration.prefix(maxNewTokens) {
            out.append(t)
            if stopTokenIds.contains(t) || shouldStop(out) { break }
        }
        return out
    }
}

/// Scores one request from scratch, position by position (the reference for the scheduler).
func naiveScore(_ r: EncodedRequest) -> LoglikelihoodResult {
    var rows: [Float] = []
    for p in r.scoredPositions { FakeBackend.logits(prefix: r.input[...p], into: &rows) }
    let (lp, g) = rows.withUnsafeBufferPointer {
        scoreContinuation(rows: $0, vocab: FakeTokenizer.vocabularySize, targets: r.targets)
    }
    return LoglikelihoodResult(logprob: lp, isGreedy: g, truncatedTokens: r.truncatedTokens)
}
