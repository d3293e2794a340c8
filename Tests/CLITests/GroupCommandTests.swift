import XCTest
import Foundation
@testable import SFTGOCLI

/// `sftgo group` end to end on a small Alpaca-format file with the SmolLM2 tokenizer: statistics,
/// the trainer's JSONL, the cache reused on the second run, and a clear error for a reference
/// checkpoint that is not one.
final class GroupCommandTests: XCTestCase {
    func testGroupWritesMasksAndReusesTheCache() throws {
        let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let model = env ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct").path
        guard FileManager.default.fileExists(atPath: model + "/tokenizer.json") else {
            throw XCTSkip("SmolLM2 not found at \(model): set SFTGO_SMOLLM2_DIR")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-group-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("mini.json")
        try Data(#"""
        [{"instruction": "Name a colour.", "input": "", "output": "Blue is a colour, and the sky is blue."},
         {"instruction": "Add", "input": "2 and 3", "output": "The sum of 2 and 3 is 5."},
         {"instruction": "Greet", "input": "", "output": "Hello there, and welcome!", "history": [["Hi", "Hello."]]}]
        """#.utf8).write(to: data)
        let out = dir.appendingPathComponent("masks.jsonl"), html = dir.appendingPathComponent("view.html")
        let args = ["--method", "tfidf", "--eta", "0.5", "--data", data.path, "--model", model,
                    "--cache-dir", dir.appendingPathComponent("cache").path, "--output", out.path, "--html", html.path]
        var cmd = try XCTUnwrap(try GroupCommand.parseAsRoot(args) as? GroupCommand)
        try cmd.run()
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssert(lines[0].hasPrefix("{\"index\": 0, \"ids\": ["))
        XCTAssert(try String(contentsOf: html, encoding: .utf8).contains("tfidf (η = 0.5, sequence)"))
        let first = try Data(contentsOf: out)
        // Second run: served from the cache, same bytes.
        cmd = try XCTUnwrap(try GroupCommand.parseAsRoot(args) as? GroupCommand)
        try cmd.run()
        XCTAssertEqual(try Data(contentsOf: out), first)
        // A reference folder without a checkpoint is named in the error.
        let bad = dir.appendingPathComponent("not-a-model")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        cmd = try XCTUnwrap(try GroupCommand.parseAsRoot(["--method", "rho1", "--data", data.path, "--model", model,
                                                          "--reference", bad.path, "--no-cache"]) as? GroupCommand)
        XCTAssertThrowsError(try cmd.run()) { XCTAssert("\($0)".contains(bad.path), "\($0)") }
    }
}
