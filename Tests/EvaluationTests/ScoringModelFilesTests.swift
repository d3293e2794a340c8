import Foundation
import XCTest
@testable import Evaluation
import Models

final class ScoringModelFilesTests: XCTestCase {
    func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-model-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (n, t) in files { try t.write(to: dir.appendingPathComponent(n), atomically: true, encoding: .utf8) }
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testWindowFollowsLMEvalOrder() throws {
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(directory: folder(
            ["config.json": #"{"max_position_embeddings": 8192, "n_ctx": 7}"#])), 8192)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(directory: folder(
            ["config.json": #"{"n_positions": 1024, "max_position_embeddings": 8192}"#])), 1024)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(directory: folder(
            ["config.json": "{}", "tokenizer_config.json": #"{"model_max_length": 512}"#])), 512)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(directory: folder(
            ["config.json": "{}", "tokenizer_config.json": #"{"model_max_length": 1000000000000000019884624838656}"#])), 2048)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(directory: folder(["config.json": "{}"])), 2048)
        XCTAssertThrowsError(try ModelWindow.lmEvalMaxLength(directory: folder([:])))
    }

    func testIdentityChangesWithWeights() throws {
        let a = try folder(["config.json": "{}", "model.safetensors": "weights-1"])
        let b = try folder(["config.json": "{}", "model.safetensors": "weights-2"])
        let a2 = try folder(["config.json": "{}", "model.safetensors": "weights-1"])
        XCTAssertNotEqual(try ModelIdentity.of(directory: a), try ModelIdentity.of(directory: b))
        XCTAssertEqual(try ModelIdentity.of(directory: a), try ModelIdentity.of(directory: a2))
    }

    /// One ModelFolder gives window and identity; its JSON bytes are those read at open.
    func testWindowAndIdentityFromOneFolderRead() throws {
        let dir = try folder(["config.json": #"{"max_position_embeddings": 4096}"#, "tokenizer_config.json": "{}",
                              "model.safetensors": "weights-1"])
        let f = try ModelFolder(directory: dir)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(f), 4096)
        let id = try ModelIdentity.of(f)
        XCTAssertEqual(id, try ModelIdentity.of(directory: dir))
        try #"{"max_position_embeddings": 2048}"#.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try ModelIdentity.of(f), id)
        XCTAssertEqual(try ModelWindow.lmEvalMaxLength(f), 4096)
        XCTAssertNotEqual(try ModelIdentity.of(directory: dir), id)
        let bad = try folder(["config.json": "[1, 2"])
        XCTAssertThrowsError(try ModelWindow.lmEvalMaxLength(directory: bad)) { XCTAssertTrue("\($0)".contains("config.json: invalid JSON"), "\($0)") }
    }
}
