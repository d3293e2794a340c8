// lm-eval 0.4.8's default (random) few-shot sampler: our contexts equal lm-eval's byte for byte
// (goldens from scripts/reference/lm_eval_fewshot_contexts.py, lm-eval's simple_evaluate path with
// fewshot_random_seed 1234).
import Foundation
import XCTest
@testable import Evaluation

final class FewshotSamplerTests: XCTestCase {
    struct Golden: Decodable {
        struct Doc: Decodable { var doc_id: Int; var context: String; var continuations: [String] }
        var fewshot_random_seed: Int
        var runs: [String: [Doc]]
    }

    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/evaluation/fewshot")

    func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.dir.appendingPathComponent("lmeval_contexts.json")))
    }

    func check(_ run: TaskRun, _ docs: [Golden.Doc], file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try Evaluator().requests(for: run, limit: Double(docs.count))
        XCTAssertEqual(ours.count, docs.count, file: file, line: line)
        for (o, d) in zip(ours, docs) {
            XCTAssertEqual(o.docID, d.doc_id)
            XCTAssertEqual(Array(o.context.utf8), Array(d.context.utf8), "\(run.label) doc \(d.doc_id) context", file: file, line: line)
            XCTAssertEqual(o.requests.map(\.continuation), d.continuations, "\(run.label) doc \(d.doc_id)", file: file, line: line)
        }
    }

    /// OpenBookQA at --num_fewshot 3 through the whole plan (train split read and checksummed).
    func testOpenBookQAThreeShotEqualsLMEval() throws {
        let dataDir = try TestPaths.requireSharedData()
        let g = try golden()
        XCTAssertEqual(g.fewshot_random_seed, 1234)
        let docs = try XCTUnwrap(g.runs["openbookqa_3shot"])
        let plan = try EvaluationPlan.build(items: [.init(name: "openbookqa", numFewshot: 3)],
                                            registry: try TaskRegistry(directory: TestPaths.tasks),
                                            data: DataSource(directory: dataDir), options: EvaluationOptions())
        let run = try XCTUnwrap(plan.runs.first)
        XCTAssertEqual(run.numFewshot, 3)
        XCTAssertEqual(run.task.fewshotDocs.count, 4957)
        XCTAssertEqual(run.task.config.fewshotSampler, .random)
        try check(run, docs)
        XCTAssertEqual(docs.count, 10)
        XCTAssertEqual(docs[0].context.components(separatedBy: "\n\n").count, 4)

        // A document's examples do not depend on the order contexts are asked for.
        let fresh = try Task.load(run.task.config, data: DataSource(directory: dataDir), needFewshot: true)
        for i in [9, 3, 0] {
            XCTAssertEqual(try fresh.context(fresh.docs[i], numFewshot: 3, docID: i), docs[i].context)
        }
        XCTAssertEqual(try fresh.context(fresh.docs[5], numFewshot: 3), docs[5].context)  // docID looked up
    }

    /// Few-shot split = test split: K+1 drawn, the evaluated document dropped when drawn.
    func testSameSplitDrawsOneMoreAndDropsTheDocument() throws {
        let g = try golden()
        let registry = try TaskRegistry(directory: Self.dir.appendingPathComponent("tasks"))
        let data = DataSource(directory: Self.dir)
        var selfDrawn = 0
        for k in [2, 5] {
            let docs = try XCTUnwrap(g.runs["obqa_first8_samesplit_\(k)shot"])
            let plan = try EvaluationPlan.build(items: [.init(name: "obqa_first8_samesplit", numFewshot: k)],
                                                registry: registry, data: data, options: EvaluationOptions())
            let run = try XCTUnwrap(plan.runs.first)
            try check(run, docs)
            for i in 0..<docs.count where run.task.sampler.draw(docIndex: i, count: k + 1)!.contains(i) { selfDrawn += 1 }
            XCTAssertEqual(docs.map { $0.context.components(separatedBy: "\n\n").count }, Array(repeating: k + 1, count: docs.count))
        }
        XCTAssertGreaterThan(selfDrawn, 0, "the goldens should exercise the self-exclusion")
        print("FewshotSamplerTests: same-split goldens drop the evaluated document \(selfDrawn) times")
    }

    /// Tasks with no few-shot data here keep the clear error.
    func testTasksWithoutFewshotDataRejectShots() throws {
        let dataDir = try TestPaths.requireSharedData()
        let registry = try TaskRegistry(directory: TestPaths.tasks)
        for name in ["arc_challenge", "mathqa", "hellaswag"] {
            XCTAssertThrowsError(try EvaluationPlan.build(items: [.init(name: name, numFewshot: 1)], registry: registry,
                                                          data: DataSource(directory: dataDir), options: EvaluationOptions())) {
                guard case TaskError.noFewshotSplit(let t, 1) = $0 else { return XCTFail("\(name): \($0)") }
                XCTAssertEqual(t, name)
            }
        }
    }

    func testUnknownSamplerIsAConfigError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-sampler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = """
        task: t
        dataset: {splits: {test: {path: x.jsonl, format: jsonl}}}
        test_split: test
        doc_to_text: q
        doc_to_target: 0
        metric_list: [{metric: acc}]

        """
        let file = dir.appendingPathComponent("t.yaml")
        try base.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TaskRegistry(directory: dir).tasks["t"]?.fewshotSampler, .random)  // lm-eval's default
        try (base + "fewshot_sampler: balanced\n").write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TaskRegistry(directory: dir)) {
            XCTAssertTrue("\($0)".contains("fewshot_sampler"), "\($0)")
        }
    }
}
