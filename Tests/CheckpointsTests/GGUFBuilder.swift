import Foundation

/// Writes GGUF bytes field by field, so tests can make files that are wrong in one chosen way.
struct GGUFBuilder {
    var version: UInt32 = 3
    var magic: UInt32 = 0x4655_4747
    var kv: [(String, UInt32, Data)] = []
    var tensors: [(name: String, dims: [UInt64], type: UInt32, offset: UInt64)] = []
    var data = Data()
    var alignment = 32

    static func le<T: FixedWidthInteger>(_ v: T) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    static func str(_ s: String) -> Data { le(UInt64(s.utf8.count)) + Data(s.utf8) }

    mutating func addUInt32(_ key: String, _ v: UInt32) { kv.append((key, 4, Self.le(v))) }
    mutating func addString(_ key: String, _ v: String) { kv.append((key, 8, Self.str(v))) }

    /// Adds an f32 tensor at the next aligned offset.
    mutating func addF32(_ name: String, dims: [UInt64], values: [Float]) {
        while data.count % alignment != 0 { data.append(0) }
        tensors.append((name, dims, 0, UInt64(data.count)))
        for v in values { data += Self.le(v.bitPattern) }
    }

    func bytes() -> Data {
        var d = Self.le(magic) + Self.le(version) + Self.le(UInt64(tensors.count)) + Self.le(UInt64(kv.count))
        for (k, t, v) in kv { d += Self.str(k) + Self.le(t) + v }
        for t in tensors {
            d += Self.str(t.name) + Self.le(UInt32(t.dims.count))
            for x in t.dims { d += Self.le(x) }
            d += Self.le(t.type) + Self.le(t.offset)
        }
        while d.count % alignment != 0 { d.append(0) }
        return d + data
    }

    func write(_ dir: URL, _ name: String = "t.gguf") throws -> String {
        let url = dir.appendingPathComponent(name)
        try bytes().write(to: url)
        return url.path
    }
}
