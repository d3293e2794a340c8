import Foundation
import XCTest
@testable import Checkpoints

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
}
