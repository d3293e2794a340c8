import ArgumentParser
import Checkpoints
import XCTest
@testable import SFTGOCLI
import Training

/// `sftgo-bench grad` (issue 17's proof interface) end to end on the tiny bf16-stored Llama (GQA, tied
/// head) against PyTorch float64 goldens from scripts/reference/grad_check.py
/// (Tests/Fixtures/training/grad-tiny-bf16), and its batch-file errors.
final class GradCommandTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    var goldenDir: URL { fixtures.appendingPathComponent("training/grad-tiny-bf16") }

    struct Golden: Decodable {
        struct Losses: Decodable { var ce_all: Double; var ce_imp: Double; var ce_unimp: Double; var go_loss: Double }
        var model: String; var lambda: Double; var lr: Double; var weight_decay: Double; var losses: Losses
    }

    func tempDir(_ tag: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-grad-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func runGrad(_ args: [String]) throws {
        var cmd = try BenchCommand.parseAsRoot(["grad"] + args)
        try cmd.run()
    }

    func tensors(_ url: URL) throws -> [String: [Float]] {
        let f = try SafetensorsFile(path: url.path)
        return try Dictionary(uniqueKeysWithValues: f.tensorNames.map { ($0, try f.tensor($0).values) })
    }

    /// ||a − b||₂ / ||b||₂ over one tensor.
    func relL2(_ a: [Float], _ b: [Float]) -> Double {
        var d = 0.0, n = 0.0
        for (x, y) in zip(a, b) { d += (Double(x) - Double(y)) * (Double(x) - Double(y)); n += Double(y) * Double(y) }
        return (d / n).squareRoot()
    }

    func testGradAndAdamWMatchTorchFloat64() throws {
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenDir.appendingPathComponent("golden.json")))
        let model = fixtures.appendingPathComponent("models/tiny-bf16").path
        let p0 = try tensors(fixtures.appendingPathComponent("models/tiny-bf16/model.safetensors"))
        let expectedGrads = try tensors(goldenDir.appendingPathComponent("grads.safetensors"))
        for steps in [1, 3] {
            let out = try tempDir("s\(steps)")
            try runGrad(["--model", model, "--batch", goldenDir.appendingPathComponent("batch.safetensors").path,
                         "--lambda", "\(g.lambda)", "--output", out.path, "--adamw-steps", "\(steps)",
                         "--lr", "\(g.lr)", "--weight-decay", "\(g.weight_decay)"])
            let losses = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("losses.json"))) as! [String: Any]
            for (key, ref) in [("ce_all", g.losses.ce_all), ("ce_imp", g.losses.ce_imp), ("ce_unimp", g.losses.ce_unimp), ("go_loss", g.losses.go_loss)] {
                let mine = try XCTUnwrap(losses[key] as? Double, key)
                XCTAssertLessThanOrEqual(abs(mine - ref) / abs(ref), 1e-5, "\(key): \(mine) vs \(ref)")
            }
            // Gradients: the tied head's is in the embedding, no lm_head tensor; every tensor ≤ 1e-5 in relative L2.
            let grads = try tensors(out.appendingPathComponent("grads.safetensors"))
            XCTAssertEqual(Set(grads.keys), Set(expectedGrads.keys))
            XCTAssertNil(grads["lm_head.weight"])
            for (name, ref) in expectedGrads {
                XCTAssertGreaterThan(ref.map(abs).max()!, 0, name)
                XCTAssertLessThanOrEqual(relL2(grads[name]!, ref), 1e-5, "gradient \(name)")
            }
            // Parameters after the steps within 1e-5 relative, and the update p − p0 itself within 5e-4:
            // f32 storage of p bounds that at ulp(p)/lr (measured 6e-5 for PyTorch's own f32 run too), yet a
            // missing decay on a norm weight (lr·wd·p ≈ 1% of the update here) or a wrong bias correction fails it.
            let params = try tensors(out.appendingPathComponent("params.safetensors"))
            let expected = try tensors(goldenDir.appendingPathComponent("params_\(steps).safetensors"))
            XCTAssertEqual(Set(params.keys), Set(expected.keys))
            for (name, ref) in expected {
                let base = p0[name]!
                XCTAssertLessThanOrEqual(relL2(params[name]!, ref), 1e-5, "\(name) after \(steps) steps")
                let mine = zip(params[name]!, base).map { $0 - $1 }, want = zip(ref, base).map { $0 - $1 }
                XCTAssertGreaterThan(want.map(abs).max()!, 0, "\(name) moved")
                XCTAssertLessThanOrEqual(relL2(mine, want), 5e-4, "update of \(name) after \(steps) steps")
            }
        }
        // Without steps: no parameters file.
        let out = try tempDir("s0")
        try runGrad(["--model", model, "--batch", goldenDir.appendingPathComponent("batch.safetensors").path,
                     "--lambda", "0.5", "--output", out.path])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("grads.safetensors").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("params.safetensors").path))
    }

    // MARK: batch-file errors

    /// Writes integer tensors (dtype as given, little-endian) as a safetensors file.
    func writeBatch(_ tensors: [(name: String, dtype: String, shape: [Int], values: [Int])], to url: URL) throws {
        var header: [String: Any] = [:], body = Data()
        for t in tensors {
            let size = t.dtype == "F32" || t.dtype == "I32" ? 4 : 8
            header[t.name] = ["dtype": t.dtype, "shape": t.shape, "data_offsets": [body.count, body.count + size * t.values.count]]
            for v in t.values {
                switch t.dtype {
                case "I64": withUnsafeBytes(of: Int64(v).littleEndian) { body.append(contentsOf: $0) }
                case "I32": withUnsafeBytes(of: Int32(v).littleEndian) { body.append(contentsOf: $0) }
                default: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { body.append(contentsOf: $0) }
                }
            }
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        try (data + json + body).write(to: url)
    }

    /// A valid 2 × 5 batch; `edit` changes one tensor's values, dtype or shape, or removes it.
    func batch(_ edit: (inout [String: (dtype: String, shape: [Int], values: [Int])]) -> Void = { _ in }) throws -> URL {
        var t: [String: (dtype: String, shape: [Int], values: [Int])] = [
            "input_ids": ("I64", [2, 5], [5, 9, 3, 7, 1, 4, 8, 2, 0, 0]),
            "attention_mask": ("I64", [2, 5], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
            "prompt_mask": ("I64", [2, 5], [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
            "important_mask": ("I64", [2, 5], [0, 0, 1, 0, 1, 0, 1, 0, 0, 0]),
            "loss_mask": ("I64", [2, 5], [0, 0, 1, 1, 1, 0, 1, 1, 0, 0]),
        ]
        edit(&t)
        let url = try tempDir("batch").appendingPathComponent("batch.safetensors")
        try writeBatch(t.map { ($0.key, $0.value.dtype, $0.value.shape, $0.value.values) }, to: url)
        return url
    }

    func assertBatchError(_ url: URL, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ProofBatch(file: url.path, vocabSize: 16), file: file, line: line) { e in
            let s = "\(e)"
            for w in words { XCTAssertTrue(s.contains(w), "'\(s)' does not mention \(w)", file: file, line: line) }
        }
    }

    func testValidBatchBecomesExamples() throws {
        let b = try ProofBatch(file: try batch().path, vocabSize: 16)
        XCTAssertEqual(b.examples.map(\.ids), [[5, 9, 3, 7, 1], [4, 8, 2]])   // cut at the attention length
        XCTAssertEqual(b.examples[0].targets, [-1, 3, 7, 1])                   // loss_mask[t] = 1: token t from position t−1
        XCTAssertEqual(b.examples[1].targets, [8, 2])
        XCTAssertEqual(b.important[0], [true, false, true])
        XCTAssertEqual(b.important[1], [true, false])
        XCTAssertEqual(b.lossTokenCount, 5)
    }

    func testBatchErrorsNameTheTensor() throws {
        for name in ProofBatch.tensorNames {
            assertBatchError(try batch { $0[name] = nil }, mentions: ["tensor '\(name)' is missing"])
        }
        assertBatchError(try batch { $0["loss_mask"]!.dtype = "F32" }, mentions: ["loss_mask", "F32", "integer"])
        assertBatchError(try batch { $0["important_mask"]!.shape = [5, 2] }, mentions: ["important_mask", "[5, 2]"])
        assertBatchError(try batch { $0["input_ids"]!.shape = [10] }, mentions: ["input_ids", "[10]"])
        assertBatchError(try batch { $0["prompt_mask"]!.values[3] = 2 }, mentions: ["prompt_mask", "[0, 3]", "0 or 1"])
        assertBatchError(try batch { $0["attention_mask"]!.values[9] = 1 }, mentions: ["attention_mask", "row 1", "right padding"])
        assertBatchError(try batch { $0["input_ids"]!.values[6] = 16 }, mentions: ["input_ids", "[1, 1]", "vocabulary"])
        assertBatchError(try batch { $0["loss_mask"]!.values[5] = 1 }, mentions: ["loss_mask", "[1, 0]", "first token"])
        assertBatchError(try batch { $0["loss_mask"]!.values[8] = 1 }, mentions: ["loss_mask", "[1, 3]", "padding"])
        assertBatchError(try batch { $0["loss_mask"]!.values = [Int](repeating: 0, count: 10) }, mentions: ["loss_mask", "no target"])
        assertBatchError(try batch { $0["attention_mask"]!.values = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]; $0["loss_mask"]!.values[6] = 0; $0["loss_mask"]!.values[7] = 0 },
                         mentions: ["attention_mask", "row 1", "2"])
        // The command surfaces the same error (file named) before writing anything.
        let out = try tempDir("err")
        let bad = try batch { $0["important_mask"] = nil }
        XCTAssertThrowsError(try runGrad(["--model", fixtures.appendingPathComponent("models/tiny-bf16").path, "--batch", bad.path,
                                          "--lambda", "0.5", "--output", out.appendingPathComponent("o").path])) { e in
            XCTAssertTrue("\(e)".contains("important_mask") && "\(e)".contains(bad.path), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("o").path))
    }
}
