import Foundation
import XCTest
@testable import Evaluation

/// Found by the task-yaml fuzz target's design review: a group listing itself (directly or through
/// another group) made leafTasks recurse until the stack overflowed. It is a typed error at load.
final class TaskGroupCycleTests: XCTestCase {
    func registry(_ files: [String: String]) throws -> TaskRegistry {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-cycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return try TaskRegistry(directory: dir)
    }

    func testGroupCyclesAreRefusedByName() throws {
        XCTAssertThrowsError(try registry(["g.yaml": "group: g\ntask: [g]\n"])) {
            XCTAssertTrue("\($0)".contains("g → g"), "\($0)")
        }
        XCTAssertThrowsError(try registry(["a.yaml": "group: a\ntask: [b]\n", "b.yaml": "group: b\ntask: [a]\n"])) {
            XCTAssertTrue("\($0)".contains("a → b → a"), "\($0)")
        }
    }
}
