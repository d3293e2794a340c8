import Foundation
import XCTest
@testable import Checkpoints

/// The imported SmolLM2-135M-Instruct folder (made by `make setup` / `sftgo model import`) against
/// what transformers makes of the same GGUF (Tests/Fixtures/smollm2/goldens.json).
final class SmolLM2ImportTests: XCTestCase {
    static var modelDir: URL? {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = env.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct")
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) ? dir : nil
    }

    func model() throws -> URL {
        guard let d = Self.modelDir else {
            throw XCTSkip("SmolLM2 not imported: run `make model` or set SFTGO_SMOLLM2_DIR")
        }
        return d
    }

    func testConfigAndSpecialTokensFollowTheFile() throws {
        let dir = try model()
        let c = try LlamaConfig.load(file: dir.appendingPathComponent("config.json"))
        XCTAssertEqual(c, LlamaConfig(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
                                      numAttentionHeads: 9, numKeyValueHeads: 3, headDim: 64,
                                      rmsNormEps: Double(Float(1e-5)), ropeTheta: 100000, maxPositionEmbeddings: 8192,
                                      tieWordEmbeddings: true, bosTokenId: 1, eosTokenIds: [2], torchDtype: "float32"))
        // eos is <|im_end|> (id 2) as the GGUF says, not transformers' <|im_start|>.
        XCTAssertEqual(try GenerationConfig.load(file: dir.appendingPathComponent("generation_config.json")).eosTokenIds, [2])
        let tc = try JSONValue.load(dir.appendingPathComponent("tokenizer_config.json"))
        XCTAssertEqual(tc["eos_token"], .string("<|im_end|>"))
        XCTAssertEqual(tc["add_bos_token"], .bool(false))
        XCTAssertEqual(tc["chat_template"]?.stringValue?.contains("<|im_start|>assistant\n"), true)
        let tok = try JSONValue.load(dir.appendingPathComponent("tokenizer.json"))
        XCTAssertEqual(tok["model"]?["vocab"]?.objectValue?.count, 49152)
        XCTAssertEqual(tok["model"]?["merges"]?.arrayValue?.count, 48900)
        XCTAssertEqual(tok["added_tokens"]?.arrayValue?.count, 17)
    }

    /// Every tensor equals transformers' dequantised one: exact sampled values and sums.
    func testWeightsEqualTransformersImport() throws {
        let dir = try model()
        let goldens = Fixtures.root.appendingPathComponent("smollm2/goldens.json")
        let g = try Fixtures.json(goldens) as! [String: Any]
        let weights = g["weights"] as! [String: [String: Any]]
        let files = try HFCheckpoint.open(directory: dir)
        XCTAssertEqual(Set(files.keys), Set(weights.keys))
        for (name, w) in weights {
            let t = try files[name]!.tensor(name)
            XCTAssertEqual(t.shape, w["shape"] as! [Int], name)
            for (i, v) in zip(w["sample_index"] as! [Int], w["sample_values"] as! [Double]) {
                XCTAssertEqual(t.values[i], Float(v), "\(name)[\(i)]")
            }
            var s = 0.0, s2 = 0.0
            for v in t.values { s += Double(v); s2 += Double(v) * Double(v) }
            let ws = w["sum"] as! Double, ws2 = w["sum_sq"] as! Double
            XCTAssertEqual(s, ws, accuracy: 1e-9 * max(1, ws2), name)
            XCTAssertEqual(s2, ws2, accuracy: 1e-9 * max(1, ws2), name)
        }
    }
}
