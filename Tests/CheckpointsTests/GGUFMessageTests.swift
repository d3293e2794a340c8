import Foundation
import XCTest
@testable import Checkpoints

/// Issue 21 item 11: corrupt counts and offsets are reported as what they are — no negative or zero
/// "needed" byte counts from wrapped arithmetic, no alignment complaint for an offset past the file.
final class GGUFMessageTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-ggufmsg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func message(_ b: GGUFBuilder) throws -> String {
        do { _ = try GGUFFile(path: b.write(dir)); return "no error" } catch { return "\(error)" }
    }

    func testCountsThatWrapAreReportedAsTheyAre() throws {
        var good = GGUFBuilder()
        good.addString("general.architecture", "x")
        good.addF32("a", dims: [4], values: [1, 2, 3, 4])
        // Lengths whose product with the item size wraps: 2^63 (→ Int.min), 2^63-1 (·24 → -24), 2^62 (·4 → 0).
        let cases: [(String, Data, String)] = [
            ("s", GGUFBuilder.le(UInt64(1) << 63), "s (length)"),
            ("arr", GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 62), "arr (array length)"),
            ("arr", GGUFBuilder.le(UInt32(8)) + GGUFBuilder.le(UInt64(Int64.max)), "arr (array length)"),
        ]
        for (key, value, field) in cases {
            var b = good
            b.kv.append((key, key == "s" ? 8 : 9, value))
            let m = try message(b)
            XCTAssertTrue(m.contains(field) && m.contains("corrupt or truncated"), m)
            XCTAssertFalse(m.contains("needs -") || m.contains("needs 0 "), m)
        }
        var b = GGUFBuilder()
        b.magic = 0x4655_4747
        let huge = try message({ var x = b; x.tensors = []; return x }())
        XCTAssertEqual(huge, "no error")
        b.tensors = [(name: "t", dims: [1], type: 0, offset: 0)]
        var bytes = b.bytes()
        bytes.replaceSubrange(8..<16, with: GGUFBuilder.le(UInt64.max))
        try bytes.write(to: dir.appendingPathComponent("count.gguf"))
        XCTAssertThrowsError(try GGUFFile(path: dir.appendingPathComponent("count.gguf").path)) {
            let m = "\($0)"
            XCTAssertTrue(m.contains("tensor_count") && m.contains("18446744073709551615"), m)
        }
    }

    func testOffsetBeyondTheFileIsNotAnAlignmentProblem() throws {
        var b = GGUFBuilder()
        b.addString("general.architecture", "x")
        b.addF32("a", dims: [4], values: [1, 2, 3, 4])
        b.tensors[0].offset = (UInt64(1) << 63) + 32
        let m = try message(b)
        XCTAssertTrue(m.contains("a.offset") && m.contains("beyond the end of the file"), m)
        XCTAssertFalse(m.contains("alignment"), m)
    }
}
