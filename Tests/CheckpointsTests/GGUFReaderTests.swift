import Foundation
import XCTest
@testable import Checkpoints

/// The reader against files written by the reference `gguf` package, and its errors.
final class GGUFReaderTests: XCTestCase {
    static let dir = Fixtures.checkpoints.appendingPathComponent("gguf")
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testMetadataOfEveryValueType() throws {
        let f = try GGUFFile(path: Self.path("types.gguf"))
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadata["general.architecture"], .string("test"))
        XCTAssertEqual(f.metadata["t.u8"], .uint8(200))
        XCTAssertEqual(f.metadata["t.i8"], .int8(-100))
        XCTAssertEqual(f.metadata["t.u16"], .uint16(60000))
        XCTAssertEqual(f.metadata["t.i16"], .int16(-30000))
        XCTAssertEqual(f.metadata["t.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(f.metadata["t.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(f.metadata["t.f32"], .float32(0.1))
        XCTAssertEqual(f.metadata["t.u64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(f.metadata["t.i64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(f.metadata["t.f64"], .float64(0.1))
        XCTAssertEqual(f.metadata["t.bool"], .bool(true))
        XCTAssertEqual(f.metadata["t.str"], .string("héllo ✓"))
        XCTAssertEqual(try f.intArray("t.arr_i32"), [1, -2, 3])
        XCTAssertEqual(try f.stringArray("t.arr_str"), ["a", "", "ß c"])
        XCTAssertEqual(f.metadata["t.arr_f32"], .array(6, [.float32(0.5), .float32(-1.25)]))
        XCTAssertEqual(f.metadata["t.arr_bool"], .array(7, [.bool(true), .bool(false)]))
        XCTAssertEqual(f.alignment, 32)
        XCTAssertThrowsError(try f.int("t.str")) {
            XCTAssertEqual($0 as? GGUFError, .badValue(file: f.path, field: "t.str", reason: "expected an integer, got string(\"héllo ✓\")"))
        }
    }

    /// Every type dequantises bit for bit as gguf-py (the dequantiser transformers uses).
    func testDequantisesEveryTypeLikeReference() throws {
        let exp = try Fixtures.json(Self.dir.appendingPathComponent("types_expected.json")) as! [String: [String: Any]]
        for file in ["types.gguf", "align64.gguf"] {
            let f = try GGUFFile(path: Self.path(file))
            XCTAssertEqual(f.dataOffset % f.alignment, 0)
            XCTAssertEqual(f.tensors.count, exp.count)
            for (name, e) in exp {
                let info = try XCTUnwrap(f.tensorInfo(name))
                XCTAssertEqual(info.type.name, e["type"] as? String)
                let t = try f.tensor(name)
                XCTAssertEqual(t.shape, e["shape"] as! [Int], name)
                let want = (e["values"] as! [Double]).map { Float($0) }
                let bad = zip(t.values, want).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }
                XCTAssertNil(bad.map { "element \($0.offset): \($0.element.0) vs \($0.element.1)" }, "\(file) \(name)")
                XCTAssertEqual(t.values.count, want.count)
            }
        }
        XCTAssertEqual(try GGUFFile(path: Self.path("align64.gguf")).alignment, 64)
    }

    /// Hand-computed blocks, independent of any reference code.
    func testQuantBlocksByHand() throws {
        // Q4_1 block: d = 0.5 (f16 0x3800), m = -1 (0xBC00), qs[j] = j | (15 - j) << 4.
        var q41 = Data([0x00, 0x38, 0x00, 0xBC])
        for j in 0 ..< 16 { q41.append(UInt8(j | (15 - j) << 4)) }
        // Q4_0: d = 2 (0x4000); Q8_0: d = 0.25 (0x3400), q = -16 ... 15.
        var q40 = Data([0x00, 0x40])
        for j in 0 ..< 16 { q40.append(UInt8(j | (15 - j) << 4)) }
        var q80 = Data([0x00, 0x34])
        for j in 0 ..< 32 { q80.append(UInt8(bitPattern: Int8(j - 16))) }
        func run(_ d: Data, _ type: GGMLType) -> [Float] {
            var out = [Float](repeating: 0, count: 32)
            d.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer { GGMLDequant.dequantise(src, type: type, count: 32, into: $0.baseAddress!) }
            }
            return out
        }
        XCTAssertEqual(run(q41, .q4_1), (0 ..< 16).map { Float($0) * 0.5 - 1 } + (0 ..< 16).map { Float(15 - $0) * 0.5 - 1 })
        XCTAssertEqual(run(q40, .q4_0), (0 ..< 16).map { Float($0 - 8) * 2 } + (0 ..< 16).map { Float(7 - $0) * 2 })
        XCTAssertEqual(run(q80, .q8_0), (0 ..< 32).map { Float($0 - 16) * 0.25 })
    }

    func testVersion2ReadsAndOthersAreRefused() throws {
        let dir = try Fixtures.tempDir(self)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.path("types.gguf")))
        bytes[4] = 2
        try bytes.write(to: dir.appendingPathComponent("v2.gguf"))
        XCTAssertEqual(try GGUFFile(path: dir.appendingPathComponent("v2.gguf").path).version, 2)
        bytes[4] = 1
        let v1 = dir.appendingPathComponent("v1.gguf")
        try bytes.write(to: v1)
        XCTAssertThrowsError(try GGUFFile(path: v1.path)) {
            XCTAssertEqual($0 as? GGUFError, .unsupportedVersion(file: v1.path, version: 1))
        }
        bytes[0] = 0x47 ^ 0x20
        try bytes.write(to: v1)
        XCTAssertThrowsError(try GGUFFile(path: v1.path)) {
            guard case .badMagic? = $0 as? GGUFError else { return XCTFail("\($0)") }
        }
    }

    /// Every prefix of a valid file is a typed error unless it still holds all tensor data.
    func testEveryTruncation() throws {
        let dir = try Fixtures.tempDir(self)
        let full = try Data(contentsOf: URL(fileURLWithPath: Self.path("types.gguf")))
        let ref = try GGUFFile(path: Self.path("types.gguf"))
        let dataEnd = ref.dataOffset + ref.tensors.map { $0.offset + $0.byteCount }.max()!
        let url = dir.appendingPathComponent("cut.gguf")
        for n in 0 ..< full.count {
            try full.prefix(n).write(to: url)
            do {
                _ = try GGUFFile(path: url.path)
                XCTAssertGreaterThanOrEqual(n, dataEnd, "prefix \(n) parsed")
            } catch let e as GGUFError {
                XCTAssertTrue(e.description.contains(url.path))
            }
        }
    }

    func testInconsistentHeadersNameTheField() throws {
        let dir = try Fixtures.tempDir(self)
        func expect(_ b: GGUFBuilder, line: UInt = #line, _ check: (GGUFError, String) -> Void) throws {
            let p = try b.write(dir)
            XCTAssertThrowsError(try GGUFFile(path: p), line: line) {
                guard let e = $0 as? GGUFError else { return XCTFail("\($0)", line: line) }
                check(e, p)
            }
        }
        var good = GGUFBuilder()
        good.addString("general.architecture", "x")
        good.addF32("a", dims: [4], values: [1, 2, 3, 4])
        XCTAssertEqual(try GGUFFile(path: good.write(dir)).tensor("a").values, [1, 2, 3, 4])

        var b = good
        b.tensors[0].offset = 64  // beyond the data
        try expect(b) { e, p in XCTAssertEqual(e, .tensorOutOfRange(file: p, tensor: "a", begin: 64, end: 80, dataSize: 16)) }
        b = good
        b.tensors[0].offset = 4  // not aligned
        try expect(b) { e, p in
            XCTAssertEqual(e, .badValue(file: p, field: "a.offset", reason: "4 is not a multiple of the alignment 32"))
        }
        b = good
        b.tensors[0].type = 99
        try expect(b) { e, p in XCTAssertEqual(e, .unknownTensorType(file: p, tensor: "a", type: 99)) }
        b = good
        b.tensors[0].type = 2  // Q4_0 needs ne0 % 32 == 0
        try expect(b) { e, p in
            XCTAssertEqual(e, .badValue(file: p, field: "a.ne[0]", reason: "4 is not a multiple of the Q4_0 block size 32"))
        }
        b = good
        b.tensors.append((name: "b", dims: [2], type: 0, offset: 0))  // shares a's bytes
        try expect(b) { e, p in XCTAssertEqual(e, .overlappingTensors(file: p, tensor: "b", other: "a")) }
        b = good
        b.tensors.append(b.tensors[0])
        try expect(b) { e, p in XCTAssertEqual(e, .badValue(file: p, field: "a", reason: "tensor name appears twice")) }
        b = good
        b.addUInt32("general.alignment", 24)
        try expect(b) { e, p in
            guard case .badValue(p, "general.alignment", _) = e else { return XCTFail("\(e)") }
        }
        b = good
        b.kv.append(("weird", 13, Data()))
        try expect(b) { e, p in XCTAssertEqual(e, .unknownValueType(file: p, field: "weird", type: 13)) }
        b = good
        b.kv.append(("empty", 9, GGUFBuilder.le(UInt32(8)) + GGUFBuilder.le(UInt64(0))))
        XCTAssertEqual(try GGUFFile(path: b.write(dir)).metadata["empty"], .array(8, []))
        b = good
        b.kv.append(("flag", 7, Data([2])))
        try expect(b) { e, p in XCTAssertEqual(e, .badValue(file: p, field: "flag", reason: "bool byte is 2")) }
        b = good
        b.tensors[0].dims = [4, 0, 0, 0, 0]
        try expect(b) { e, p in XCTAssertEqual(e, .badValue(file: p, field: "a.n_dims", reason: "5 is not in 1...4")) }
        // A string length far beyond the file is a truncation, not a giant allocation.
        b = good
        b.kv.append(("s", 8, GGUFBuilder.le(UInt64(1) << 60)))
        try expect(b) { e, _ in
            guard case let .implausibleCount(_, field, _, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "s (length)")
        }
        // An array count that cannot fit.
        b = good
        b.kv.append(("arr", 9, GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 40)))
        try expect(b) { e, _ in
            guard case let .implausibleCount(_, field, _, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "arr (array length)")
        }
        // A tensor of a type we cannot dequantise parses, and fails by name when read.
        b = good
        b.tensors[0].dims = [256]
        b.tensors[0].type = 12  // Q4_K: 144 bytes per 256
        b.data = Data(count: 144)
        let p = try b.write(dir)
        let f = try GGUFFile(path: p)
        XCTAssertThrowsError(try f.tensor("a")) {
            XCTAssertEqual($0 as? GGUFError, .unsupportedTensorType(file: p, tensor: "a", type: "Q4_K"))
        }
        XCTAssertThrowsError(try f.tensor("zz")) { XCTAssertEqual($0 as? GGUFError, .missingTensor(file: p, tensor: "zz")) }
    }
}
