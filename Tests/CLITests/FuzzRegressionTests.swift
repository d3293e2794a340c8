import Checkpoints
import Evaluation
import Foundation
import Models
import Store
import Tokenizers
import XCTest

/// Replays the fuzz regression inputs (Tests/Fixtures/fuzz/<target>/, kept by `make fuzz`) through
/// the same entry points the libFuzzer targets call, in the normal build: each must return.
final class FuzzRegressionTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    func replay(_ target: String, _ entry: (Data) -> Void) throws {
        let dir = Self.root.appendingPathComponent(target)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertFalse(files.isEmpty, "no regression inputs in \(dir.path)")
        for f in files { entry(try Data(contentsOf: dir.appendingPathComponent(f))) }
    }

    func testSafetensors() throws { try replay("safetensors", CheckpointsFuzz.safetensors) }
    func testGguf() throws { try replay("gguf", CheckpointsFuzz.gguf) }
    func testConfig() throws { try replay("config", CheckpointsFuzz.config) }
    func testJson() throws { try replay("json", CheckpointsFuzz.json) }
    func testTokenizerJson() throws { try replay("tokenizer-json", TokenizersFuzz.tokenizerJSON) }
    func testTokenizerEncode() throws {
        let t = try ModelFolder(directory: Self.root.deletingLastPathComponent().appendingPathComponent("tokenizers/llama3-mini")).tokenizer()
        try replay("tokenizer-encode") { TokenizersFuzz.encode($0, with: t) }
    }
    func testCsv() throws { try replay("csv", EvaluationFuzz.csv) }
    func testJsonl() throws { try replay("jsonl", EvaluationFuzz.jsonl) }
    func testTaskYaml() throws { try replay("task-yaml", EvaluationFuzz.taskYAML) }
    func testArchive() throws { try replay("archive", StoreFuzz.archiveImport) }
}
