import Checkpoints
import Foundation
import Models
import Tokenizers
import XCTest

/// SmolLM2-135M-Instruct end to end against transformers loading the same GGUF
/// (goldens: scripts/reference/smollm2_goldens.py → Tests/Fixtures/smollm2/goldens.json).
/// Needs the imported folder: `make model`, or SFTGO_SMOLLM2_DIR. Run in release:
///     swift test -c release --filter SmolLM2AgreementTests
final class SmolLM2AgreementTests: XCTestCase {
    struct Case {
        let text: String
        let ids: [Int]
        let transformersIds: [Int]
        let sameAsTransformersWithoutBOS: Bool
        let logits: [String: Any]
        let greedy: [Int]
        let margins: [Double]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let logitTolerance: Float = 1e-3

    static let modelDir: URL? = {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"]
        let dir = env.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct")
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) ? dir : nil
    }()

    static let cases: [Case] = {
        let url = root.appendingPathComponent("Tests/Fixtures/smollm2/goldens.json")
        let g = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (g["cases"] as! [[String: Any]]).map {
            Case(text: $0["text"] as! String, ids: $0["ids"] as! [Int], transformersIds: $0["transformers_ids"] as! [Int],
                 sameAsTransformersWithoutBOS: $0["same_as_transformers_without_bos"] as! Bool,
                 logits: $0["logits"] as! [String: Any], greedy: $0["greedy32"] as! [Int],
                 margins: $0["greedy32_margins"] as! [Double])
        }
    }()

    // Loaded once for the whole class (the model is 538 MB of f32).
    static var loaded: (Llama, Tokenizer)?

    func model() throws -> (Llama, Tokenizer) {
        guard let dir = Self.modelDir else {
            throw XCTSkip("SmolLM2 not imported: run `make model` or set SFTGO_SMOLLM2_DIR")
        }
        if let l = Self.loaded { return l }
        let l = (try Llama(directory: dir), try ModelFolder(directory: dir).tokenizer())
        Self.loaded = l
        return l
    }

    /// Our tokenizer on our imported tokenizer.json equals `tokenizers` on it; equals transformers'
    /// GGUF tokenizer after its (unwanted) BOS except where its pre-tokenizer ignores "smollm".
    func testTokenIds() throws {
        let (_, tok) = try model()
        var differFromTransformers = 0
        for c in Self.cases {
            XCTAssertEqual(tok.encode(c.text), c.ids, c.text)
            XCTAssertEqual(c.transformersIds.first, 1, "transformers prepends BOS")
            if c.sameAsTransformersWithoutBOS {
                XCTAssertEqual(tok.encode(c.text), Array(c.transformersIds.dropFirst()), c.text)
            } else {
                differFromTransformers += 1
            }
        }
        XCTAssertEqual(differFromTransformers, 1, "only the digits-after-spaces prompt differs")
    }

    func testLogitsAgree() throws {
        let (llama, _) = try model()
        let vocab = llama.config.vocabSize
        var worst: Float = 0, worstWhere = ""
        func check(_ ours: Float, _ ref: Double, _ what: String) {
            let d = abs(ours - Float(ref))
            if d > worst { worst = d; worstWhere = what }
        }
        for c in Self.cases {
            let n = c.ids.count
            let logits = llama.forward(c.ids, cache: llama.makeCache(capacity: n), logitsFor: Array(0 ..< n))
            XCTAssertEqual(logits.count, n * vocab)
            let last = Array(logits[(n - 1) * vocab ..< n * vocab])
            let L = c.logits
            for (i, v) in zip(L["last_top_ids"] as! [Int], L["last_top_logits"] as! [Double]) { check(last[i], v, "top \(i): \(c.text)") }
            for (i, v) in zip(L["last_sample_ids"] as! [Int], L["last_sample_logits"] as! [Double]) { check(last[i], v, "sample \(i): \(c.text)") }
            // The top-1 id of the last row is the same.
            let argmax = last.indices.max { last[$0] < last[$1] || (last[$0] == last[$1] && $0 > $1) }!
            XCTAssertEqual(argmax, (L["last_top_ids"] as! [Int])[0], c.text)
            let maxes = L["max_logit"] as! [Double], lses = L["logsumexp"] as! [Double]
            let next = L["next_token_logits"] as! [Double]
            for p in 0 ..< n {
                let row = logits[p * vocab ..< (p + 1) * vocab]
                let m = row.max()!
                check(m, maxes[p], "max at \(p): \(c.text)")
                var s = 0.0
                for v in row { s += exp(Double(v - m)) }
                check(Float(Double(m) + log(s)), lses[p], "logsumexp at \(p): \(c.text)")
                if p < n - 1 { check(row[row.startIndex + c.ids[p + 1]], next[p], "next-token logit at \(p): \(c.text)") }
            }
        }
        print("SmolLM2 logits: max |Δ| vs transformers = \(worst) (\(worstWhere))")
        XCTAssertLessThanOrEqual(worst, Self.logitTolerance, worstWhere)
    }

    /// Greedy 32-token continuations equal transformers' up to the first step where its top-2
    /// logits lie within 2× our tolerance (such a near-tie cannot be decided across f32 summation orders).
    func testGreedyContinuations() throws {
        let (llama, _) = try model()
        var compared = 0, total = 0, identical = 0
        for c in Self.cases {
            let ours = llama.generate(prompt: c.ids, maxNewTokens: 32, stopTokenIds: [2])
            let decidable = c.margins.firstIndex { $0 < Double(2 * Self.logitTolerance) } ?? c.greedy.count
            XCTAssertEqual(Array(ours.prefix(decidable)), Array(c.greedy.prefix(decidable)), c.text)
            if decidable == c.greedy.count { XCTAssertEqual(ours, c.greedy, c.text) }
            compared += decidable
            if ours == c.greedy { identical += 1 }
            total += c.greedy.count
        }
        print("SmolLM2 greedy: \(compared) of \(total) golden tokens decidable and identical; "
            + "\(identical) of \(Self.cases.count) continuations identical in full")
    }

    func testChatPromptGetsASensibleAnswer() throws {
        let (llama, tok) = try model()
        let prompt = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
        let ids = tok.encode(prompt)
        let out = llama.generate(prompt: ids, maxNewTokens: 48, stopTokenIds: [2])
        let text = tok.decode(out)
        print("SmolLM2 chat answer: \(text)")
        XCTAssertEqual(out.last, 2, "stops at <|im_end|>, the GGUF's eos")
        XCTAssertTrue(text.contains("Paris"), text)
    }
}
