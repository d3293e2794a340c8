// Our rendered requests equal lm-eval 0.4.8's, byte for byte, on every golden document.
import Foundation
import XCTest
@testable import Evaluation

final class AgreementContextTests: XCTestCase {
    func testContextsAndContinuationsEqualLMEval() throws {
        let goldens = try LMEvalGolden.load(model: "smollm2")
        XCTAssertFalse(goldens.isEmpty)
        guard let tasksDir = TaskRegistry.defaultDirectory() else { return XCTFail("tasks/ not found") }
        let registry = try TaskRegistry(directory: tasksDir)
        let dataDir: URL
        do { dataDir = try DataSource.resolveDirectory(explicit: nil) } catch {
            throw XCTSkip("benchmark data not found (set SFTGO_DATA_DIR): \(error)")
        }
        let data = DataSource(directory: dataDir)
        let evaluator = Evaluator()
        var compared = 0
        for g in goldens {
            for (label, docs) in g.tasks.sorted(by: { $0.key < $1.key }) {
                let (name, shots) = LMEvalGolden.taskName(label)
                let plan = try EvaluationPlan.build(items: [.init(name: name, numFewshot: shots)],
                                                    registry: registry, data: data, options: EvaluationOptions())
                XCTAssertEqual(plan.runs.count, 1, label)
                let ours = try evaluator.requests(for: plan.runs[0], limit: Double(g.limit))
                XCTAssertEqual(ours.count, docs.count, label)
                for (o, d) in zip(ours, docs) {
                    XCTAssertEqual(o.docID, d.doc_id, label)
                    XCTAssertEqual(Array(o.context.utf8), Array(d.context.utf8), "\(label) doc \(d.doc_id) context")
                    XCTAssertEqual(o.requests.map { Array($0.continuation.utf8) }, d.continuations.map { Array($0.utf8) },
                                   "\(label) doc \(d.doc_id) continuations")
                    compared += 1
                }
            }
        }
        print("AgreementContextTests: \(compared) documents compared byte for byte with lm-eval 0.4.8")
    }
}
