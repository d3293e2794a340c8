import XCTest
import Foundation
import Checkpoints
@testable import Models
@testable import Tensors

let fixtureModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/models")
let tinyModelNames = ["tiny-gqa-tied", "tiny-mha-untied", "tiny-llama3-rope", "tiny-bf16", "tiny-tf5-config"]

struct Golden: Decodable {
    var prompts: [[Int]]
    var logits: [[[Float]]]
    var greedy: [[Int]]
}

func loadTiny(_ name: String) throws -> (Llama, Golden) {
    let dir = fixtureModels.appendingPathComponent(name)
    let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("golden.json")))
    return (try Llama(directory: dir), golden)
}

func bitMismatches(_ a: [Float], _ b: [Float]) -> Int {
    if a.count != b.count { return max(a.count, b.count, 1) }
    return zip(a, b).filter { $0.0.bitPattern != $0.1.bitPattern }.count
}

final class LlamaTests: XCTestCase {
    override func tearDown() { ThreadPool.configure(threads: ThreadPool.defaultThreadCount()) }

    /// Logits of every position within 1e-4 of transformers (f32) for all five tiny checkpoints.
    func testLogitsMatchTransformers() throws {
        for name in tinyModelNames {
            let (model, golden) = try loadTiny(name)
            var worst: Float = 0
            for (p, prompt) in golden.prompts.enumerated() {
                let cache = model.makeCache(capacity: 8)
                let logits = model.forward(prompt, cache: cache, logitsFor: Array(0..<prompt.count))
                let expected = golden.logits[p].flatMap { $0 }
                XCTAssertEqual(logits.count, expected.count)
                for (a, b) in zip(logits, expected) { worst = max(worst, abs(a - b)) }
                XCTAssertEqual(cache.count, prompt.count)
            }
            XCTAssertLessThan(worst, 1e-4, "\(name): max |Δlogit|")
        }
    }

    func testGreedyContinuationsMatchTransformers() throws {
        for name in tinyModelNames {
            let (model, golden) = try loadTiny(name)
            for (p, prompt) in golden.prompts.enumerated() {
                XCTAssertEqual(model.generate(prompt: prompt, maxNewTokens: 12, stopTokenIds: []), golden.greedy[p], "\(name) prompt \(p)")
            }
        }
    }

    func testGenerateStopsOnStopIdsAndShouldStop() throws {
        let (model, golden) = try loadTiny("tiny-gqa-tied")
        let prompt = golden.prompts[2], full = golden.greedy[2]
        XCTAssertEqual(model.generate(prompt: prompt, maxNewTokens: 5, stopTokenIds: []), Array(full.prefix(5)))
        let stopAt = full[3]
        let first = full.firstIndex(of: stopAt)!
        XCTAssertEqual(model.generate(prompt: prompt, maxNewTokens: 12, stopTokenIds: [stopAt]), Array(full.prefix(first + 1)))
        XCTAssertEqual(model.generate(prompt: prompt, maxNewTokens: 12, stopTokenIds: [], shouldStop: { $0.count == 2 }),
                       Array(full.prefix(2)))
    }

    /// Token-by-token decoding and chunked prefill agree with one full pass bit for bit.
    func testKVCacheDecodeEqualsFullRecompute() throws {
        for name in ["tiny-gqa-tied", "tiny-llama3-rope"] {
            let (model, golden) = try loadTiny(name)
            let prompt = golden.prompts[3]
            let full = model.forward(prompt, cache: model.makeCache(capacity: 1), logitsFor: Array(0..<prompt.count))
            let v = model.config.vocabSize
            let step = model.makeCache(capacity: 4)   // also exercises cache growth
            var bad = 0
            for (i, t) in prompt.enumerated() {
                let l = model.forward([t], cache: step, logitsFor: [0])
                bad += bitMismatches(l, Array(full[(i * v)..<((i + 1) * v)]))
            }
            let chunked = model.makeCache(capacity: 8)
            var i = 0
            for n in [5, 1, 17, 30, 8] {
                let l = model.forward(Array(prompt[i..<(i + n)]), cache: chunked, logitsFor: Array(0..<n))
                bad += bitMismatches(l, Array(full[(i * v)..<((i + n) * v)]))
                i += n
            }
            XCTAssertEqual(i, prompt.count)
            XCTAssertEqual(bad, 0, "\(name): cached vs full")
            // generate()'s unpadded decode steps agree to rounding.
            let g = model.makeCache(capacity: 8)
            let last = model.run([Llama.Segment(prompt, continuing: g, append: true, logitRows: [prompt.count - 1])], padded: false)[0]
            var worst: Float = 0
            for j in 0..<v { worst = max(worst, abs(last[j] - full[(prompt.count - 1) * v + j])) }
            XCTAssertLessThan(worst, 2e-5)
        }
    }

    /// Branches after a shared prefix equal each branch alone, bit for bit; the cache keeps the prefix.
    func testForwardBranchesBitIdenticalToEachBranchAlone() throws {
        let (model, golden) = try loadTiny("tiny-gqa-tied")
        let prefix = golden.prompts[2]
        let branches = [[5], [7, 9, 11], Array(golden.prompts[3].prefix(40)), [100, 3], Array(golden.prompts[1])]
        let rows = branches.map { b in Array(0..<b.count) }
        let cache = model.makeCache(capacity: 64)
        _ = model.forward(prefix, cache: cache, logitsFor: [])
        let together = model.forwardBranches(branches, after: cache, logitsFor: rows)
        XCTAssertEqual(cache.count, prefix.count)
        for (b, branch) in branches.enumerated() {
            let alone = model.makeCache(capacity: 8)
            _ = model.forward(prefix, cache: alone, logitsFor: [])
            let expected = model.forward(branch, cache: alone, logitsFor: rows[b])
            XCTAssertEqual(bitMismatches(together[b], expected), 0, "branch \(b)")
        }
        // Only some rows requested.
        let some = model.forwardBranches(branches, after: cache, logitsFor: branches.map { [$0.count - 1] })
        let v = model.config.vocabSize
        for b in branches.indices {
            XCTAssertEqual(bitMismatches(some[b], Array(together[b][((branches[b].count - 1) * v)...])), 0)
        }
        // Truncating the cache back to a shorter prefix and continuing equals a fresh run.
        cache.truncate(to: 10)
        let cont = model.forward(Array(prefix[10...]), cache: cache, logitsFor: [prefix.count - 11])
        let fresh = model.makeCache(capacity: 8)
        _ = model.forward(Array(prefix[..<10]), cache: fresh, logitsFor: [])
        XCTAssertEqual(bitMismatches(cont, model.forward(Array(prefix[10...]), cache: fresh, logitsFor: [prefix.count - 11])), 0)
    }

    /// One pass mixing fresh sequences, branches of two different caches, a cache continuing another
    /// (its base shared, not copied) and appends to distinct caches equals each segment alone.
    func testMixedSegmentsBitIdenticalToEachSegmentAlone() throws {
        let (model, golden) = try loadTiny("tiny-llama3-rope")
        let p = golden.prompts
        let a = model.makeCache(capacity: 4), b = model.makeCache(capacity: 4)
        _ = model.forward(p[2], cache: a, logitsFor: [])
        _ = model.forward(Array(p[3].prefix(29)), cache: b, logitsFor: [])
        let child = KVCache(continuing: a, capacity: 2)   // grows on demand
        let grown = model.makeCache(capacity: 4)
        _ = model.forward(Array(p[3].prefix(7)), cache: grown, logitsFor: [])
        let segs: [Llama.Segment] = [
            .init([5, 6, 7], logitRows: [0, 2]),
            .init(Array(p[0]), continuing: a, logitRows: Array(0..<p[0].count)),
            .init([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], continuing: b, logitRows: [12]),
            .init(Array(p[3].suffix(17)), continuing: child, append: true, logitRows: [0, 16]),
            .init([1], continuing: b, logitRows: [0]),
            .init(Array(p[3].dropFirst(7)), continuing: grown, append: true, logitRows: [3, 50]),
            .init([], continuing: a, logitRows: []),
        ]
        let together = model.forward(segments: segs)
        XCTAssertEqual(child.count, p[2].count + 17)
        XCTAssertEqual(a.count, p[2].count)
        XCTAssertEqual(grown.count, p[3].count)
        // Each alone: a fresh cache holding the same prefix tokens.
        let prefixes: [[Int]] = [[], p[2], Array(p[3].prefix(29)), p[2], Array(p[3].prefix(29)), Array(p[3].prefix(7)), p[2]]
        for (i, seg) in segs.enumerated() {
            let alone = model.makeCache(capacity: 8)
            if !prefixes[i].isEmpty { _ = model.forward(prefixes[i], cache: alone, logitsFor: []) }
            let expected = model.forward(seg.tokens, cache: alone, logitsFor: seg.logitRows)
            XCTAssertEqual(bitMismatches(together[i], expected), 0, "segment \(i)")
        }
        // The child's appended positions continue correctly: scoring after it equals a fresh run.
        let after = model.forwardBranches([[4, 2]], after: child, logitsFor: [[1]])[0]
        let fresh = model.makeCache(capacity: 8)
        _ = model.forward(p[2] + Array(p[3].suffix(17)), cache: fresh, logitsFor: [])
        XCTAssertEqual(bitMismatches(after, model.forward([4, 2], cache: fresh, logitsFor: [1])), 0)
    }

    func testForwardBatchBitIdenticalToEachSequenceAlone() throws {
        for name in ["tiny-mha-untied", "tiny-llama3-rope"] {
            let (model, golden) = try loadTiny(name)
            let seqs = golden.prompts + [[4, 4, 4], Array(golden.prompts[3].reversed())]
            let rows = seqs.map { s in Array(stride(from: 0, to: s.count, by: 3)) }
            let batch = model.forwardBatch(seqs, logitsFor: rows)
            for (i, s) in seqs.enumerated() {
                let alone = model.forward(s, cache: model.makeCache(capacity: 8), logitsFor: rows[i])
                XCTAssertEqual(bitMismatches(batch[i], alone), 0, "\(name) sequence \(i)")
            }
        }
    }

    func testResultsDoNotDependOnThreadCount() throws {
        let (model, golden) = try loadTiny("tiny-gqa-tied")
        let seqs = golden.prompts + [Array(repeating: 9, count: 130)]
        let rows = seqs.map { s in Array(0..<s.count) }
        var results: [[[Float]]] = []
        var gens: [[Int]] = []
        for t in [1, 2, 3] {
            ThreadPool.configure(threads: t)
            results.append(model.forwardBatch(seqs, logitsFor: rows))
            gens.append(model.generate(prompt: golden.prompts[3], maxNewTokens: 8, stopTokenIds: []))
        }
        for t in 1..<3 {
            for i in seqs.indices { XCTAssertEqual(bitMismatches(results[0][i], results[t][i]), 0, "threads run \(t) seq \(i)") }
            XCTAssertEqual(gens[0], gens[t])
        }
    }

    func testFlatParametersRoundTripAndTiedHeadIsOneTensor() throws {
        let dir = fixtureModels.appendingPathComponent("tiny-gqa-tied")
        let tensors = try HFCheckpoint.loadTensors(directory: dir)
        let model = try Llama(directory: dir)
        XCTAssertEqual(model.parameters.lmHead, model.parameters.embed)
        let named = model.parameters.namedTensors()
        XCTAssertEqual(Set(named.map(\.name)), Set(tensors.keys).subtracting(["lm_head.weight"]))
        for t in named { XCTAssertEqual(t.values, tensors[t.name]!.values, t.name) }
        let untied = try Llama(directory: fixtureModels.appendingPathComponent("tiny-mha-untied"))
        XCTAssertNotEqual(untied.parameters.lmHead, untied.parameters.embed)
    }

    func testBadCheckpointsAreTypedErrors() throws {
        let dir = fixtureModels.appendingPathComponent("tiny-mha-untied")
        let config = try LlamaConfig.load(file: dir.appendingPathComponent("config.json"))
        var tensors = try HFCheckpoint.loadTensors(directory: dir)
        var missing = tensors
        missing["model.layers.1.mlp.up_proj.weight"] = nil
        XCTAssertThrowsError(try Llama(config: config, tensors: missing)) {
            XCTAssertEqual($0 as? ModelError, .missingTensor("model.layers.1.mlp.up_proj.weight"))
        }
        let q = tensors["model.layers.0.self_attn.q_proj.weight"]!
        tensors[q.name] = NamedTensor(name: q.name, shape: [q.shape[1], q.shape[0] - 1], values: Array(q.values.dropLast(q.shape[1])))
        XCTAssertThrowsError(try Llama(config: config, tensors: tensors)) {
            guard case .shapeMismatch(let n, _, _)? = $0 as? ModelError else { return XCTFail("\($0)") }
            XCTAssertEqual(n, q.name)
        }
        var bad = config
        bad.ropeScaling = RopeScaling(ropeType: "yarn", factor: 2, originalMaxPositionEmbeddings: 16)
        XCTAssertThrowsError(try Llama(config: bad, tensors: try HFCheckpoint.loadTensors(directory: dir)))
        let model = try Llama(directory: dir)
        XCTAssertThrowsError(try model.validate([1, 2, model.config.vocabSize])) {
            XCTAssertEqual($0 as? ModelError, .tokenOutOfRange(id: model.config.vocabSize, vocabSize: model.config.vocabSize))
        }
        XCTAssertNoThrow(try model.validate([0, model.config.vocabSize - 1]))
    }
}
