import XCTest
@testable import Evaluation

/// Every document of every Evaluator I task, rendered by our tasks/ YAMLs, against lm-eval 0.4.8's
/// own rendering of the same files (scripts/reference/lm_eval_request_goldens.py): FNV-1a-64 per
/// chunk of 100 documents over context, continuations and gold. Needs ../shared/data.
final class RequestGoldenHashTests: XCTestCase {
    static func fnv1a(_ s: String, _ h0: UInt64) -> UInt64 {
        var h = h0
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return h
    }

    func docText(_ d: Evaluator.DocRequests) -> String {
        d.context + "\u{0}" + d.requests.map(\.continuation).joined(separator: "\u{1}") + "\u{0}" + String(d.gold) + "\u{2}"
    }

    func testAllDocumentsOfAllTasksMatchLMEval() throws {
        let data = try TestPaths.requireSharedData()
        let goldenURL = TestPaths.fixtures.appendingPathComponent("request_goldens.json")
        let golden = try JSONValue.parse(String(contentsOf: goldenURL, encoding: .utf8))
        guard let tasks = golden["tasks"]?.objectValue else { return XCTFail("bad golden file") }
        let registry = try TaskRegistry(directory: TestPaths.tasks)
        let source = DataSource(directory: data)
        var checkedDocs = 0
        var loaded: [String: Task] = [:]
        for (key, g) in tasks.pairs {
            let parts = key.split(separator: "@")
            let name = String(parts[0]), shots = Int(parts[1])!
            let task: Task
            if let t = loaded[name], shots == 0 || !t.fewshotDocs.isEmpty { task = t } else {
                task = try Task.load(registry.tasks[name]!, data: source, needFewshot: shots > 0)
                loaded[name] = task
            }
            let docs = try Evaluator().requests(for: TaskRun(label: key, task: task, numFewshot: shots), limit: nil)
            XCTAssertEqual(docs.count, g["docs"]?.intValue, key)
            let chunks = g["chunks"]!.arrayValue!.map { $0.stringValue! }
            for (c, expected) in chunks.enumerated() {
                var h: UInt64 = 0xcbf29ce484222325
                for d in docs[(c * 100)..<min(docs.count, (c + 1) * 100)] { h = Self.fnv1a(docText(d), h) }
                let got = String(h, radix: 16).leftPad(16)
                XCTAssertEqual(got, expected, "\(key) documents \(c * 100)..<\((c + 1) * 100)")
            }
            checkedDocs += docs.count
        }
        XCTAssertEqual(checkedDocs, 2 * 14042 + 1172 + 500 + 2985 + 10042 + 2 * 817)
    }
}

private extension String {
    func leftPad(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
