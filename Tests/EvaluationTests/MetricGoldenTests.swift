import XCTest
@testable import Evaluation

/// acc, acc_norm, MC2, means, stderrs and the MMLU group aggregation against lm-eval 0.4.8's own
/// `evaluate` on the first documents of the real tasks, both sides scoring every request with the
/// same hash-based fake model (scripts/reference/lm_eval_metric_goldens.py). Compared bit for bit.
final class MetricGoldenTests: XCTestCase {
    func testMetricsAndAggregationEqualLMEval() throws {
        let data = try TestPaths.requireSharedData()
        let golden = try JSONValue.parse(String(contentsOf: TestPaths.fixtures.appendingPathComponent("metric_goldens.json"), encoding: .utf8))
        let expected = golden["results"]!.objectValue!
        let registry = try TaskRegistry(directory: TestPaths.tasks)
        let source = DataSource(directory: data)

        func evaluate(_ items: [EvaluationPlan.Item], limit: Int) throws -> EvaluationReport {
            let options = EvaluationOptions(limit: Double(limit))
            let plan = try EvaluationPlan.build(items: items, registry: registry, data: source, options: options)
            return try Evaluator().run(plan, model: FakeLanguageModel(), options: options)
        }
        let small = try evaluate(["arc_challenge", "openbookqa", "hellaswag", "mathqa", "truthfulqa_mc1", "truthfulqa_mc2"]
            .map { EvaluationPlan.Item(name: $0) }, limit: golden["limit"]!.intValue!)
        let mmlu = try evaluate([.init(name: "mmlu", numFewshot: 0), .init(name: "mmlu", numFewshot: 5, labelSuffix: "@5shot")],
                                limit: golden["mmlu_limit"]!.intValue!)

        func check(_ key: String, _ metrics: [(name: String, value: Double, stderr: Double?)], samples: Int) {
            guard let e = expected[key]?.objectValue else { return XCTFail("no golden for \(key)") }
            XCTAssertEqual(e["samples"]?.intValue, samples, key)
            for m in metrics {
                guard let v = e["\(m.name),none"]?.stringValue.flatMap(Double.init) else { XCTFail("\(key) \(m.name)"); continue }
                XCTAssertEqual(m.value, v, "\(key) \(m.name)")
                if let se = m.stderr, let ev = e["\(m.name)_stderr,none"]?.stringValue.flatMap(Double.init) {
                    XCTAssertEqual(se, ev, "\(key) \(m.name)_stderr")
                } else {
                    XCTFail("\(key): stderr missing")
                }
            }
        }
        var checked = 0
        for t in small.tasks {
            check(t.label, t.metrics, samples: t.samples.count)
            checked += 1
        }
        let mc2 = small.task("truthfulqa_mc2")!
        let perDoc = expected["truthfulqa_mc2"]!["per_doc"]!.arrayValue!.map { Double($0.stringValue!)! }
        XCTAssertEqual(mc2.samples.map { $0.metrics[0].1 }, perDoc)
        for t in mmlu.tasks {
            let key = t.label.hasSuffix("@5shot") ? String(t.label.dropLast(6)) + "_5shot" : t.label + "_0shot"
            check(key, t.metrics, samples: t.samples.count)
            checked += 1
        }
        for g in mmlu.groups {
            let key = g.label.hasSuffix("@5shot") ? String(g.label.dropLast(6)) + "_5shot" : g.label + "_0shot"
            check(key, g.metrics, samples: g.samples)
            checked += 1
        }
        XCTAssertEqual(checked, 6 + 2 * 57 + 2 * 5)
    }
}
