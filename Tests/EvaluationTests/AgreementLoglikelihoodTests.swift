// The Swift scorer matches lm-eval 0.4.8 (HF backend, CPU, float32, batch size 1) on every golden
// request: log-likelihoods within 1e-3 and predictions exactly, except near-ties (lm-eval's own
// two best choices within 1e-3), which are counted and reported. The goldens were made on our own
// import of SmolLM2 (scripts/reference/lm_eval_goldens.py), so every request is comparable.
import Foundation
import XCTest
@testable import Evaluation

final class AgreementLoglikelihoodTests: XCTestCase {
    func testLoglikelihoodsAndPredictionsMatchLMEval() throws {
        let dir = try smolLM2Directory()
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else {
            throw XCTSkip("no config.json in \(dir.path)")
        }
        let lm = try LlamaLanguageModel(directory: dir)
        let only = ProcessInfo.processInfo.environment["SFTGO_AGREEMENT_ONLY"].map { Set($0.split(separator: ",").map(String.init)) }
        var requests = 0, docs = 0, nearTies = 0, flips = 0
        var maxDelta = 0.0, worst = ""
        for g in try LMEvalGolden.load(model: "smollm2") where only == nil || only!.contains(g.key) {
            var reqs: [LoglikelihoodRequest] = []
            var owners: [(String, LMEvalGolden.Doc)] = []
            for (label, ds) in g.tasks.sorted(by: { $0.key < $1.key }) {
                for d in ds {
                    owners.append((label, d))
                    reqs += d.continuations.map { LoglikelihoodRequest(context: d.context, continuation: $0) }
                }
            }
            let out = try lm.loglikelihood(reqs, progress: nil)
            var k = 0
            for (label, d) in owners {
                let lls = out[k..<(k + d.continuations.count)].map(\.logprob)
                k += d.continuations.count
                for (i, (ours, theirs)) in zip(lls, d.loglikelihoods).enumerated() {
                    let delta = abs(ours - theirs)
                    if delta > maxDelta { maxDelta = delta; worst = "\(label) doc \(d.doc_id) choice \(i)" }
                    XCTAssertEqual(ours, theirs, accuracy: 1e-3, "\(label) doc \(d.doc_id) choice \(i)")
                }
                let pred = lls.indices.max { lls[$0] < lls[$1] || (lls[$0] == lls[$1] && $0 > $1) }!
                let nearTie = (d.top2_gap ?? .infinity) < 1e-3
                if nearTie { nearTies += 1 }
                if pred != d.prediction {
                    flips += 1
                    if !nearTie { XCTFail("\(label) doc \(d.doc_id): prediction \(pred), lm-eval \(d.prediction)") }
                }
                docs += 1
            }
            requests += reqs.count
            print("agreement \(g.key): \(reqs.count) requests; \(lm.stats.summary())")
            lm.resetStats()
        }
        print(String(format: "AgreementLoglikelihoodTests: %d requests in %d documents, max |Δ| = %.3g (%@), %d near-ties, %d prediction flips",
                     requests, docs, maxDelta, worst, nearTies, flips))
        XCTAssertGreaterThan(requests, 0)
        XCTAssertEqual(requests, try LMEvalGolden.load(model: "smollm2").reduce(0) { n, g in
            n + g.tasks.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.continuations.count } }
        }, "every golden request is compared")
    }

    /// With the real model: request order and branch pass sizes do not change a single bit.
    func testRealModelResultsIndependentOfOrderAndPassSizes() throws {
        let dir = try smolLM2Directory()
        var reqs: [LoglikelihoodRequest] = []
        for g in try LMEvalGolden.load(model: "smollm2") where ["hellaswag", "openbookqa"].contains(g.key) {
            for docs in g.tasks.values {
                for d in docs.prefix(4) { reqs += d.continuations.map { .init(context: d.context, continuation: $0) } }
            }
        }
        let a = try LlamaLanguageModel(directory: dir).loglikelihood(reqs, progress: nil)
        var o = ScoringOptions()
        o.maxTokensPerPass = 5
        o.maxLogitRowsPerPass = 2
        let b = try LlamaLanguageModel(directory: dir, options: o).loglikelihood(reqs.reversed(), progress: nil)
        XCTAssertEqual(a.map(\.logprob.bitPattern), b.reversed().map(\.logprob.bitPattern))
        XCTAssertEqual(a.map(\.isGreedy), b.reversed().map(\.isGreedy))
    }
}
