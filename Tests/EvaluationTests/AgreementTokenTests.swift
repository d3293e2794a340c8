// Our pair encoding (PairEncoder + the project's tokenizer) gives exactly the token ids lm-eval
// 0.4.8's _encode_pair gives (goldens from scripts/reference/lm_eval_tokens.py).
import Foundation
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

/// The goldens were made by lm-eval on transformers' own GGUF conversion of SmolLM2, whose
/// tokenizer drops the GGUF's `smollm` pre-tokenizer (single-digit split before the byte-level
/// regex). Our import keeps it, as upstream SmolLM2 does, so a run of two or more whitespace
/// characters right before a digit ("\n\n3") tokenises differently: "\n\n" is one token for us,
/// two for that conversion. Such texts are not comparable and are counted instead.
func hasDigitSplitDifference(_ text: String) -> Bool {
    var run = 0
    for u in text.unicodeScalars {
        if u.properties.isWhitespace { run += 1; continue }
        if run >= 2 && u.properties.numericType == .decimal { return true }
        run = 0
    }
    return false
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
        let tokenizer = HFTokenizerAdapter(try Tokenizer(directory: try smolLM2Directory()))
        let encoder = PairEncoder(addBOS: false, contextWindow: 1 << 20)
        let goldens = try LMEvalGolden.load(model: "smollm2")
        let tokenDir = LMEvalGolden.fixtures.appendingPathComponent("smollm2/tokens")
        var pairs = 0, notComparable = 0
        for g in goldens {
            let url = tokenDir.appendingPathComponent("\(g.key).json")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let t = try JSONDecoder().decode(LMEvalTokenGolden.self, from: Data(contentsOf: url))
            for (label, docs) in g.tasks {
                let tokDocs = try XCTUnwrap(t.tasks[label], label)
                for (d, td) in zip(docs, tokDocs) {
                    for (k, cont) in d.continuations.enumerated() {
                        let (c, k2) = try encoder.encodePair(context: d.context, continuation: cont, tokenizer: tokenizer)
                        if c == td.context_tokens && k2 == td.continuation_tokens[k] { pairs += 1; continue }
                        // Only the known pre-tokenizer difference may explain a mismatch.
                        XCTAssertTrue(hasDigitSplitDifference(d.context + cont),
                                      "\(label) doc \(d.doc_id) choice \(k): token ids differ from lm-eval's")
                        notComparable += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(pairs, 0)
        XCTAssertLessThanOrEqual(notComparable * 20, pairs, "too many pairs differ")
        print("AgreementTokenTests: \(pairs) (context, continuation) pairs encoded exactly as lm-eval 0.4.8; \(notComparable) differ only by the smollm digit pre-tokenizer")
    }
}
