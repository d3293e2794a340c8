import ArgumentParser
import XCTest
@testable import SFTGOCLI
import Training

/// `sftgo train` settings: a flag wins over the YAML file, the file over the defaults.
final class TrainCommandTests: XCTestCase {
    func testYAMLAndFlagsPrecedence() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-train-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("train.yaml")
        try Data("""
            learning_rate: 2.0e-5
            batch-size: 64
            warmup_ratio: 0.03
            max_grad_norm: 0
            seed: 7
            per_micro_batch_loss: true
            lambda: 0.8
            """.utf8).write(to: yaml)
        let cmd = try XCTUnwrap(try SFTGOCommand.parseAsRoot(["train", "--config", yaml.path, "--batch-size", "32"]) as? TrainCommand)
        let s = try cmd.settings()
        let cfg = try cmd.trainerConfig(s)
        XCTAssertEqual(cfg.batchSize, 32)
        XCTAssertEqual(cfg.learningRate, 2e-5)
        XCTAssertEqual(cfg.warmupRatio, 0.03)
        XCTAssertNil(cfg.maxGradNorm)
        XCTAssertEqual(cfg.seed, 7)
        XCTAssertTrue(cfg.perMicroBatchLoss)
        XCTAssertEqual(cfg.epochs, 1)
        XCTAssertEqual(try s.value(Double?.none, "lambda"), 0.8)
    }

    /// Token Cleaning without its mask would drop every token (loss 0, nothing trained): refused.
    func testTokenCleaningWithoutMasksIsRefused() throws {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let model = env ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct").path
        guard FileManager.default.fileExists(atPath: model + "/tokenizer.json") else {
            throw XCTSkip("SmolLM2 not found at \(model): set SFTGO_SMOLLM2_DIR")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-train-tc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("mini.json")
        try Data(#"[{"instruction": "Name a colour.", "input": "", "output": "Blue."}]"#.utf8).write(to: data)
        var cmd = try XCTUnwrap(try SFTGOCommand.parseAsRoot(["train", "--model", model, "--data", data.path, "--objective", "token-cleaning",
                                                              "--output-dir", dir.appendingPathComponent("out").path, "--dry-run"]) as? TrainCommand)
        XCTAssertThrowsError(try cmd.run()) { e in
            XCTAssertTrue("\(e)".contains("--important-masks"), "\(e)")
        }
    }

    func testBadYAMLValueIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-train-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("train.yaml")
        try Data("batch_size: many\n".utf8).write(to: yaml)
        let cmd = try XCTUnwrap(try SFTGOCommand.parseAsRoot(["train", "--config", yaml.path]) as? TrainCommand)
        XCTAssertThrowsError(try cmd.trainerConfig(try cmd.settings())) { e in
            XCTAssertTrue("\(e)".contains("batch-size"), "\(e)")
        }
    }
}
