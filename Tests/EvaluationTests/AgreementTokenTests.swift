// Our pair encoding (PairEncoder + the project's tokenizer) gives exactly the token ids lm-eval
// 0.4.8's _encode_pair gives with transformers' tokenizer loaded from the same folder, our import
// (goldens from scripts/reference/lm_eval_tokens.py), on every golden pair.
import Foundation
import Models
import XCTest
import Tokenizers
@testable import Evaluation

/// The SmolLM2 folder for tests that need it: $SFTGO_SMOLLM2_DIR, else <package>/models/SmolLM2-135M-Instruct.
func smolLM2Directory() throws -> URL {
    let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    let dir = env.map { URL(fileURLWithPath: $0) }
        ?? TaskRegistry.packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct")
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
        throw XCTSkip("SmolLM2 not found at \(dir.path): set SFTGO_SMOLLM2_DIR or run `make model`")
    }
    return dir
}

struct LMEvalTokenGolden: Decodable {
    struct Doc: Decodable {
        var doc_id: Int
        var context_tokens: [Int]
        var continuation_tokens: [[Int]]
    }
    var key: String
    var tasks: [String: [Doc]]
}

final class AgreementTokenTests: XCTestCase {
    func testPairEncodingEqualsLMEval() throws {
        let tokenizer = HFTokenizerAdapter(try ModelFolder(directory: try smolLM2Directory()).tokenizer())
        let encoder = PairEncoder(addBOS: false, contextWindow: 1 << 20)
        let goldens = try LMEvalGolden.load(model: "smollm2")
        let tokenDir = LMEvalGolden.fixtures.appendingPathComponent("smollm2/tokens")
        var pairs = 0
        for g in goldens {
            let url = tokenDir.appendingPathComponent("\(g.key).json")
            guard FileManager.default.fileExists(atPath: url.path) else { XCTFail("no token golden \(url.lastPathComponent)"); continue }
            let t = try JSONDecoder().decode(LMEvalTokenGolden.self, from: Data(contentsOf: url))
            for (label, docs) in g.tasks {
                let tokDocs = try XCTUnwrap(t.tasks[label], label)
                XCTAssertEqual(tokDocs.map(\.doc_id), docs.map(\.doc_id), label)
                for (d, td) in zip(docs, tokDocs) {
                    for (k, cont) in d.continuations.enumerated() {
                        let (c, k2) = try encoder.encodePair(context: d.context, continuation: cont, tokenizer: tokenizer)
                        XCTAssertEqual(c, td.context_tokens, "\(label) doc \(d.doc_id) choice \(k): context ids")
                        XCTAssertEqual(k2, td.continuation_tokens[k], "\(label) doc \(d.doc_id) choice \(k): continuation ids")
                        pairs += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(pairs, 0)
        print("AgreementTokenTests: \(pairs) (context, continuation) pairs encoded exactly as lm-eval 0.4.8")
    }
}
