import Foundation
import XCTest
@testable import Checkpoints

/// Every malformed file is a typed error naming the file (and tensor), never a crash.
final class SafetensorsErrorTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Fixtures.tempDir(self) }

    /// A file from a raw header string and `dataBytes` bytes of data.
    func file(_ header: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) throws -> String {
        let url = dir.appendingPathComponent("f\(UUID().uuidString.prefix(6)).safetensors")
        var d = Data()
        var n = (declaredLength ?? UInt64(header.utf8.count)).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(Data(header.utf8))
        d.append(Data(repeating: 0, count: dataBytes))
        try d.write(to: url)
        return url.path
    }

    func expect(_ path: String, _ want: CheckpointError, line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile(path: path), line: line) { err in
            XCTAssertEqual(err as? CheckpointError, want, line: line)
            XCTAssertTrue("\(err)".contains(path), "message names the file", line: line)
        }
    }

    func testTruncatedFile() throws {
        let p = dir.appendingPathComponent("short.safetensors").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: p))
        expect(p, .truncated(file: p, field: "header length", needed: 8, available: 3))
    }

    func testHeaderLengthBeyondFile() throws {
        let p = try file("{}", declaredLength: 1000)
        expect(p, .headerTooLarge(file: p, headerLength: 1000, fileSize: 10))
    }

    func testBadJSON() throws {
        let p = try file("{\"a\": [1,")
        XCTAssertThrowsError(try SafetensorsFile(path: p)) {
            guard case let .badJSON(f, _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(f, p)
        }
        let q = try file("[1, 2]")
        expect(q, .badJSON(file: q, reason: "header is not a JSON object"))
    }

    func testOffsetsOutOfRange() throws {
        let p = try file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 8)
        expect(p, .offsetOutOfRange(file: p, tensor: "w", begin: 4, end: 12, dataSize: 8))
        let q = try file(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, dataBytes: 8)
        expect(q, .offsetOutOfRange(file: q, tensor: "w", begin: 8, end: 4, dataSize: 8))
    }

    func testOverlappingTensors() throws {
        let p = try file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                         dataBytes: 12)
        expect(p, .overlappingTensors(file: p, tensor: "b", other: "a"))
    }

    func testByteCountMismatch() throws {
        let p = try file(#"{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8)
        expect(p, .byteCountMismatch(file: p, tensor: "w", dtype: "BF16", shape: [3], expected: 6, actual: 8))
        // A shape whose byte count overflows is the same error, not a trap.
        let q = try file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, dataBytes: 8)
        expect(q, .byteCountMismatch(file: q, tensor: "w", dtype: "F32", shape: [4611686018427387904, 4],
                                     expected: Int.max, actual: 8))
    }

    func testUnknownAndUnsupportedDType() throws {
        let p = try file(#"{"w":{"dtype":"F13","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8)
        expect(p, .unknownDType(file: p, tensor: "w", dtype: "F13"))
        let q = try file(#"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8)
        let f = try SafetensorsFile(path: q)
        XCTAssertThrowsError(try f.tensor("ids")) {
            XCTAssertEqual($0 as? CheckpointError, .unsupportedDType(file: q, tensor: "ids", dtype: "I64"))
        }
    }

    func testMalformedEntry() throws {
        let p = try file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#)
        expect(p, .badField(file: p, field: "w.shape", reason: "dimension is not a non-negative integer"))
        let q = try file(#"{"w":{"dtype":"F32","shape":[1]}}"#)
        expect(q, .badField(file: q, field: "w.data_offsets", reason: "expected two non-negative integers"))
    }

    func testMissingTensor() throws {
        let p = try file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4)
        let f = try SafetensorsFile(path: p)
        XCTAssertThrowsError(try f.tensor("v")) {
            XCTAssertEqual($0 as? CheckpointError, .missingTensor(file: p, tensor: "v"))
        }
        // An index naming a tensor its shard lacks.
        let shard = URL(fileURLWithPath: p).lastPathComponent
        try #"{"weight_map":{"w":"\#(shard)","ghost":"\#(shard)"}}"#
            .write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HFCheckpoint.loadTensors(directory: dir)) {
            XCTAssertEqual($0 as? CheckpointError, .missingTensor(file: p, tensor: "ghost"))
        }
    }

    func testMissingFolderAndFile() throws {
        XCTAssertThrowsError(try HFCheckpoint.loadTensors(directory: dir)) {
            guard case .cannotOpen? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try SafetensorsFile(path: dir.appendingPathComponent("nope").path)) {
            guard case .cannotOpen? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
    }

    /// Every truncation of a valid file fails cleanly (or, at full length, loads).
    func testEveryTruncationOfAValidFile() throws {
        let ref = try Data(contentsOf: Fixtures.checkpoints.appendingPathComponent("small_f32.safetensors"))
        for n in 0 ..< ref.count {
            let url = dir.appendingPathComponent("t.safetensors")
            try ref.prefix(n).write(to: url)
            XCTAssertThrowsError(try SafetensorsFile(path: url.path), "prefix \(n)")
        }
    }
}
