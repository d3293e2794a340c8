import Foundation
import XCTest

/// Issue 21 item 10 through the real `sftgo` executable: `main` refuses invalid UTF-8 arguments and a
/// bad SFTGO_THREADS (exit 64, one line naming the problem) instead of running with U+FFFD or all
/// cores. A shell passes the raw bytes, which Foundation's Process (String arguments) cannot.
final class CommandLineChecksTests: XCTestCase {
    static func sftgoBinary() -> URL? {
        var candidates: [URL] = []
        if let b = ProcessInfo.processInfo.environment["SFTGO_BIN"] { candidates.append(URL(fileURLWithPath: b)) }
        // The test bundle runs from the build folder that also holds the executables.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        candidates.append(runner.deletingLastPathComponent().appendingPathComponent("sftgo"))
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/release/sftgo").standardizedFileURL)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `script` under /bin/sh with $1 = the sftgo binary and $2 = a tokenizer folder.
    func sh(_ script: String) throws -> (status: Int32, stderr: String) {
        let bin = try XCTUnwrap(Self.sftgoBinary(), "no sftgo executable in the build folder (set SFTGO_BIN)")
        let tok = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/tokenizers/llama3-mini").standardizedFileURL.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, "sh", bin.path, tok]
        var env = ProcessInfo.processInfo.environment
        env["SFTGO_THREADS"] = nil
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testInvalidArgumentsAndThreadCountsStopTheCommand() throws {
        XCTAssertEqual(try sh(#""$1" tokenize --model "$2" --text "ok""#).status, 0, "control: a valid call runs")
        let utf8 = try sh(#""$1" tokenize --model "$2" --text "a$(printf '\377')b""#)
        XCTAssertEqual(utf8.status, 64, utf8.stderr)
        XCTAssertTrue(utf8.stderr.contains("not valid UTF-8"), utf8.stderr)
        for t in ["0", "-1", "abc", "1e20"] {
            let r = try sh(#"SFTGO_THREADS=\#(t) "$1" tokenize --model "$2" --text "ok""#)
            XCTAssertEqual(r.status, 64, "\(t): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("SFTGO_THREADS"), "\(t): \(r.stderr)")
        }
        XCTAssertEqual(try sh(#"SFTGO_THREADS=1 "$1" tokenize --model "$2" --text "ok""#).status, 0)
    }
}
