// Throughput of the Swift scorer on the benchmark workloads (the side-by-side with
// scripts/reference/lm_eval_timing.py). Not a correctness test: runs only with SFTGO_BENCH=1,
// in release:  SFTGO_BENCH=1 SFTGO_SMOLLM2_DIR=… swift test -c release -Xswiftc -enable-testing \
//                --filter ScoringBenchmarkTests
// SFTGO_BENCH_WORKLOADS picks from mmlu5 (first doc of each subject, 5-shot), mmlu5_<S>x<N>
// (first N docs of the first S subjects) and hellaswag (first 100 docs).
import Foundation
import XCTest
@testable import Evaluation

final class ScoringBenchmarkTests: XCTestCase {
    func testThroughput() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["SFTGO_BENCH"] == "1" else { throw XCTSkip("set SFTGO_BENCH=1 to run the benchmark") }
        let dir = try smolLM2Directory()
        let registry = try TaskRegistry(directory: XCTUnwrap(TaskRegistry.defaultDirectory()))
        let data = DataSource(directory: try DataSource.resolveDirectory(explicit: nil))
        let evaluator = Evaluator()
        for w in (env["SFTGO_BENCH_WORKLOADS"] ?? "mmlu5,hellaswag").split(separator: ",").map(String.init) {
            var items: [EvaluationPlan.Item] = []
            var limit = 1.0
            if w == "mmlu5" {
                items = [.init(name: "mmlu", numFewshot: 5)]
            } else if w.hasPrefix("mmlu5_") {
                let p = w.dropFirst(6).split(separator: "x").map { Int($0)! }
                let subjects = registry.tasks.keys.filter { $0.hasPrefix("mmlu_") && registry.groups[$0] == nil }.sorted()
                items = subjects.prefix(p[0]).map { .init(name: $0, numFewshot: 5) }
                limit = Double(p[1])
            } else if w == "hellaswag" {
                items = [.init(name: "hellaswag")]
                limit = 100
            } else { return XCTFail("unknown workload \(w)") }
            let options = EvaluationOptions(limit: limit)
            let plan = try EvaluationPlan.build(items: items, registry: registry, data: data, options: options)
            // A fresh model per workload: no reuse across workloads, no disk cache.
            let t0 = Date()
            let lm = try LlamaLanguageModel(directory: dir)
            let load = Date().timeIntervalSince(t0)
            let report = try evaluator.run(plan, model: lm, options: options)
            let docs = report.tasks.reduce(0) { $0 + $1.samples.count }
            print(String(format: "bench %@: %d items, %.2f items/s (evaluator %.2f s, model load %.2f s); %@",
                         w, docs, Double(docs) / report.seconds, report.seconds, load, lm.stats.summary(items: docs)))
        }
    }
}
