import Checkpoints
import Foundation
import Models
import Tokenizers
import XCTest

/// Issue 17: one model-folder reader. A folder is read once (its JSON files at open, each parsed by
/// Checkpoints' parser on first use) and gives the config, generation config, tokenizer and weights;
/// a missing or malformed file is a typed error naming that file.
final class ModelFolderTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The tiny GQA Llama with the llama3-mini tokenizer files and a generation_config.json.
    func makeFolder(skipping: Set<String> = []) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let model = fixtures.appendingPathComponent("models/tiny-gqa-tied"), tok = fixtures.appendingPathComponent("tokenizers/llama3-mini")
        for (src, name) in [(model, "config.json"), (model, "model.safetensors"), (tok, "tokenizer.json"), (tok, "tokenizer_config.json")]
        where !skipping.contains(name) {
            try FileManager.default.copyItem(at: src.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        if !skipping.contains("generation_config.json") {
            try #"{"bos_token_id": 1, "eos_token_id": [2, 7], "temperature": 0.5}"#
                .write(to: dir.appendingPathComponent("generation_config.json"), atomically: true, encoding: .utf8)
        }
        return dir
    }

    func testOneReadGivesConfigTokenizerGenerationConfigAndWeights() throws {
        let dir = try makeFolder()
        let folder = try ModelFolder(directory: dir)
        XCTAssertEqual(folder.fileNames, ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
        let config = try folder.llamaConfig()
        XCTAssertEqual(config, try LlamaConfig.load(file: dir.appendingPathComponent("config.json")))
        XCTAssertEqual(config.hiddenSize, 64)
        let g = try XCTUnwrap(folder.generationConfig())
        XCTAssertEqual(g.eosTokenIds, [2, 7])
        XCTAssertEqual(g["temperature"]?.doubleValue, 0.5)
        let tok = try folder.tokenizer()
        XCTAssertTrue(try folder.tokenizer() === tok, "the tokenizer is built once per folder")
        XCTAssertEqual(tok.generationEosTokenIds, [2, 7])
        XCTAssertEqual(tok.bosToken, "<|begin_of_text|>")
        let fromFiles = try Tokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json"),
                                      tokenizerConfig: dir.appendingPathComponent("tokenizer_config.json"),
                                      generationConfig: dir.appendingPathComponent("generation_config.json"))
        let text = "Hello world, how are you? 1234"
        XCTAssertEqual(tok.encode(text, addSpecialTokens: true), fromFiles.encode(text, addSpecialTokens: true))
        XCTAssertEqual(tok.chatTemplate, fromFiles.chatTemplate)
        XCTAssertTrue(Set(LlamaLayout(config: config).entries.map(\.name)).isSubset(of: try folder.weights().keys))
        let a = try Llama(folder: folder), b = try Llama(directory: dir)
        XCTAssertEqual(a.config, b.config)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: a.parameters.base, count: a.parameters.count)),
                       Array(UnsafeBufferPointer(start: b.parameters.base, count: b.parameters.count)))

        // Read once: the JSON files are taken at open, so later edits on disk do not leak in.
        try #"{"model_type": "llama"}"#.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("generation_config.json"))
        XCTAssertEqual(try folder.llamaConfig(), config)
        XCTAssertEqual(try folder.generationConfig()?.eosTokenIds, [2, 7])
        XCTAssertNotEqual(try ModelFolder(directory: dir).llamaConfig(), config)
    }

    func testOptionalFilesMayBeAbsent() throws {
        let folder = try ModelFolder(directory: makeFolder(skipping: ["generation_config.json", "tokenizer_config.json"]))
        XCTAssertNil(try folder.generationConfig())
        let tok = try folder.tokenizer()
        XCTAssertEqual(tok.generationEosTokenIds, [])
        XCTAssertNil(tok.chatTemplate)
    }

    func testMissingFilesNameTheFile() throws {
        let dir = try makeFolder(skipping: ["config.json", "tokenizer.json", "model.safetensors"])
        let folder = try ModelFolder(directory: dir)
        let config = dir.appendingPathComponent("config.json").path, tj = dir.appendingPathComponent("tokenizer.json").path
        XCTAssertThrowsError(try folder.llamaConfig()) {
            XCTAssertEqual($0 as? ModelFolderError, .missingFile(file: config, purpose: "the model config"))
            XCTAssertEqual("\($0)", "\(config): file not found (needed for the model config)")
        }
        XCTAssertThrowsError(try folder.tokenizer()) {
            XCTAssertEqual($0 as? ModelFolderError, .missingFile(file: tj, purpose: "the tokenizer"))
        }
        XCTAssertThrowsError(try Llama(directory: dir)) { XCTAssertTrue("\($0)".hasPrefix(config), "\($0)") }
        XCTAssertThrowsError(try folder.weights()) {
            guard case let .cannotOpen(file, _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, dir.appendingPathComponent("model.safetensors").path)
        }
        let nowhere = dir.appendingPathComponent("nowhere").path
        XCTAssertThrowsError(try ModelFolder(directory: URL(fileURLWithPath: nowhere))) {
            XCTAssertEqual($0 as? ModelFolderError, .notAFolder(path: nowhere))
        }
    }

    func testMalformedFilesNameTheFile() throws {
        let dir = try makeFolder()
        for name in ["config.json", "tokenizer_config.json", "generation_config.json"] {
            try "{\"a\": 1,".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let folder = try ModelFolder(directory: dir)
        func badJSONFile(_ e: Error) -> String? {
            guard case let .badJSON(file, _)? = e as? CheckpointError else { return nil }
            return file
        }
        XCTAssertThrowsError(try folder.llamaConfig()) { XCTAssertEqual(badJSONFile($0), dir.appendingPathComponent("config.json").path) }
        XCTAssertThrowsError(try folder.generationConfig()) {
            XCTAssertEqual(badJSONFile($0), dir.appendingPathComponent("generation_config.json").path)
        }
        XCTAssertThrowsError(try folder.tokenizer()) {
            XCTAssertEqual(badJSONFile($0), dir.appendingPathComponent("tokenizer_config.json").path)
            XCTAssertTrue("\($0)".contains("tokenizer_config.json: invalid JSON"), "\($0)")
        }
        // Well-formed JSON with a wrong field: the tokenizer's own typed error names tokenizer.json.
        try #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a zz"]}}"#
            .write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer_config.json"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("generation_config.json"))
        XCTAssertThrowsError(try ModelFolder(directory: dir).tokenizer()) {
            XCTAssertEqual($0 as? TokenizerError, .invalidField(file: "tokenizer.json", field: "model.merges[0]",
                                                               reason: "'zz' is not in the vocabulary"))
        }
    }
}
