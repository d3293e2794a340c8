import XCTest
import Foundation
import Tokenizers
@testable import Grouping

let groupingFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The SmolLM2 folder: $SFTGO_SMOLLM2_DIR, else <package>/models/SmolLM2-135M-Instruct; skips when absent.
func smolLM2Directory() throws -> URL {
    let env = ProcessInfo.processInfo.environment["SFTGO_SMOLLM2_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    let dir = env.map { URL(fileURLWithPath: $0) } ?? groupingFixtures.deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct")
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
        throw XCTSkip("SmolLM2 not found at \(dir.path): set SFTGO_SMOLLM2_DIR or run `make model`")
    }
    return dir
}

/// LIMA as LLaMA-Factory converted it: $SFTGO_DATA_DIR/lima/…, else <package>/data/lima/…; skips when absent.
func limaFile() throws -> URL {
    let root = ProcessInfo.processInfo.environment["SFTGO_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        .map { URL(fileURLWithPath: $0) }
        ?? groupingFixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")
    let f = root.appendingPathComponent("lima/lima_llamafactory_converted.json")
    guard FileManager.default.fileExists(atPath: f.path) else {
        throw XCTSkip("LIMA not found at \(f.path): set SFTGO_DATA_DIR or run `sftgo data fetch lima`")
    }
    return f
}

/// An example whose loss tokens are `ids` after a one-token prompt (id 1).
func example(_ index: Int, _ ids: [Int]) -> GroupingExample {
    GroupingExample(index: index, tokens: [1] + ids, lossPositions: Array(1...max(ids.count, 1)).prefix(ids.count).map { $0 })
}

func assertClose(_ a: Double, _ b: Double, rel: Double = 1e-12, _ msg: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssert(abs(a - b) <= rel * max(1, abs(a), abs(b)), "\(a) vs \(b) \(msg())", file: file, line: line)
}
