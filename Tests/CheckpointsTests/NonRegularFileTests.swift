import Foundation
import XCTest
@testable import Checkpoints

/// Issue 21 item 6: a FIFO given as a model file hung in open(); a folder gave "mmap: No such device".
final class NonRegularFileTests: XCTestCase {
    func testFIFOAndFolderAreRefusedWithoutWaiting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("model.gguf").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)

        final class Outcome: @unchecked Sendable { var error: Error? }  // written before fulfill, read after
        let done = expectation(description: "open returned")
        let outcome = Outcome()
        DispatchQueue.global().async {
            do { _ = try GGUFFile(path: fifo) } catch let e { outcome.error = e }
            done.fulfill()
        }
        if XCTWaiter().wait(for: [done], timeout: 10) != .completed {
            // Release the blocked open() so the test process can finish, then fail.
            let w = open(fifo, O_WRONLY | O_NONBLOCK); if w >= 0 { close(w) }
            XCTFail("opening a FIFO blocked")
            return
        }
        let error = outcome.error
        XCTAssertTrue("\(error.map { "\($0)" } ?? "no error")".contains("not a regular file (a FIFO)"), "\(String(describing: error))")

        XCTAssertThrowsError(try MappedFile(path: dir.path)) {
            XCTAssertTrue("\($0)".contains("not a regular file (a folder)"), "\($0)")
        }
    }
}
