import Foundation

/// Storage types we write. Reading additionally accepts F64.
public enum SafetensorsDType: String, CaseIterable, Codable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"

    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

/// One tensor's header entry.
public struct SafetensorsEntry: Equatable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    /// Byte range within the data section (after the 8-byte length and the JSON header).
    public var begin: Int
    public var end: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped `.safetensors` file whose header has been fully validated: every later read
/// stays inside the map.
public final class SafetensorsFile {
    /// Element sizes of every dtype the format defines (sub-byte float types excluded).
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]
    /// The reference implementation refuses headers above 100 MB.
    static let maxHeaderLength: UInt64 = 100_000_000

    public let path: String
    public let entries: [String: SafetensorsEntry]
    public let metadata: [String: String]
    private let map: MappedFile
    private let dataStart: Int

    public var tensorNames: [String] { entries.keys.sorted() }

    public init(path: String) throws {
        map = try MappedFile(path: path)
        self.path = path
        let bytes = map.bytes
        guard bytes.count >= 8 else {
            throw CheckpointError.truncated(file: path, field: "header length", needed: 8, available: bytes.count)
        }
        let n = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard n <= UInt64(bytes.count - 8), n <= Self.maxHeaderLength else {
            throw CheckpointError.headerTooLarge(file: path, headerLength: n, fileSize: bytes.count)
        }
        dataStart = 8 + Int(n)
        let headerData = Data(bytes[8 ..< dataStart])
        let header: JSONValue
        do { header = try JSONValue.parse(headerData, file: path) } catch CheckpointError.badJSON(let f, let r) {
            throw CheckpointError.badJSON(file: f, reason: "header: \(r)")
        }
        guard let obj = header.objectValue else {
            throw CheckpointError.badJSON(file: path, reason: "header is not a JSON object")
        }
        let dataSize = bytes.count - dataStart
        var entries: [String: SafetensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (name, v) in obj.pairs {
            if name == "__metadata__" {
                guard let m = v.objectValue else {
                    throw CheckpointError.badField(file: path, field: "__metadata__", reason: "not an object")
                }
                for (k, s) in m.pairs {
                    guard let s = s.stringValue else {
                        throw CheckpointError.badField(file: path, field: "__metadata__.\(k)", reason: "not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            let e = try Self.entry(name, v, file: path)
            guard e.begin <= e.end, e.end <= dataSize else {
                throw CheckpointError.offsetOutOfRange(file: path, tensor: name, begin: e.begin, end: e.end,
                                                       dataSize: dataSize)
            }
            guard let size = Self.elementSizes[e.dtype] else {
                throw CheckpointError.unknownDType(file: path, tensor: name, dtype: e.dtype)
            }
            let (count, o1) = e.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let (bytesNeeded, o2) = count.multipliedReportingOverflow(by: size)
            guard !o1, !o2, bytesNeeded == e.end - e.begin else {
                throw CheckpointError.byteCountMismatch(file: path, tensor: name, dtype: e.dtype, shape: e.shape,
                                                        expected: (o1 || o2) ? Int.max : bytesNeeded,
                                                        actual: e.end - e.begin)
            }
            entries[name] = e
        }
        // Two non-empty tensors must not share bytes.
        let sorted = entries.values.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw CheckpointError.overlappingTensors(file: path, tensor: b.name, other: a.name)
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(_ name: String, _ v: JSONValue, file: String) throws -> SafetensorsEntry {
        func bad(_ field: String, _ reason: String) -> CheckpointError {
            .badField(file: file, field: "\(name).\(field)", reason: reason)
        }
        guard v.objectValue != nil else { throw bad("(entry)", "not an object") }
        guard let dtype = v["dtype"]?.stringValue else { throw bad("dtype", "missing or not a string") }
        guard let shapeJ = v["shape"]?.arrayValue else { throw bad("shape", "missing or not a list") }
        let shape = try shapeJ.map { d -> Int in
            guard let i = d.intValue, i >= 0 else { throw bad("shape", "dimension is not a non-negative integer") }
            return i
        }
        guard let offs = v["data_offsets"]?.arrayValue, offs.count == 2,
              let b = offs[0].intValue, let e = offs[1].intValue, b >= 0, e >= 0 else {
            throw bad("data_offsets", "expected two non-negative integers")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, begin: b, end: e)
    }

    public func entry(_ name: String) throws -> SafetensorsEntry {
        guard let e = entries[name] else { throw CheckpointError.missingTensor(file: path, tensor: name) }
        return e
    }

    /// Decoded bytes per step of `read`, after which their mapped pages are released.
    static let readChunkBytes = 8 << 20

    /// Decodes one tensor to Float32 into `out`, which must hold `elementCount` floats. It goes in
    /// chunks, releasing each chunk's mapped pages once decoded (MappedFile.release), so a large
    /// tensor is never resident twice.
    public func read(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        let e = try entry(name)
        precondition(out.count == e.elementCount, "destination size does not match tensor \(name)")
        let n = e.elementCount
        guard n > 0, let dst = out.baseAddress else { return }
        let size: Int
        switch e.dtype {
        case "F32": size = 4
        case "F16", "BF16": size = 2
        case "F64": size = 8
        default: throw CheckpointError.unsupportedDType(file: path, tensor: name, dtype: e.dtype)
        }
        let start = dataStart + e.begin
        let src = UnsafeRawBufferPointer(rebasing: map.bytes[start ..< (dataStart + e.end)])
        let step = Self.readChunkBytes / size
        var lo = 0
        while lo < n {
            let hi = min(n, lo + step)
            switch e.dtype {
            case "F32":
                memcpy(dst + lo, src.baseAddress! + 4 * lo, (hi - lo) * 4)
            case "F16":
                for i in lo ..< hi {
                    dst[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)
                }
            case "BF16":
                for i in lo ..< hi {
                    let h = src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian
                    dst[i] = Float(bitPattern: UInt32(h) << 16)
                }
            default:
                for i in lo ..< hi {
                    dst[i] = Float(Double(bitPattern: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian))
                }
            }
            map.release((start + size * lo) ..< (start + size * hi))
            lo = hi
        }
    }

    /// Decodes an integer tensor (I64, I32, I16, I8, U8, BOOL) exactly; float tensors are refused
    /// rather than truncated, since integer inputs (token ids, masks) must not be guessed from floats.
    public func integers(_ name: String) throws -> [Int] {
        let e = try entry(name)
        let n = e.elementCount
        let src = UnsafeRawBufferPointer(rebasing: map.bytes[(dataStart + e.begin) ..< (dataStart + e.end)])
        func load<I: FixedWidthInteger>(_: I.Type) -> [Int] {
            (0 ..< n).map { Int(src.loadUnaligned(fromByteOffset: MemoryLayout<I>.size * $0, as: I.self).littleEndian) }
        }
        switch e.dtype {
        case "I64": return load(Int64.self)
        case "I32": return load(Int32.self)
        case "I16": return load(Int16.self)
        case "I8": return load(Int8.self)
        case "U8", "BOOL": return load(UInt8.self)
        default: throw CheckpointError.unsupportedDType(file: path, tensor: name, dtype: e.dtype)
        }
    }

    public func tensor(_ name: String) throws -> NamedTensor {
        let e = try entry(name)
        var values = [Float](repeating: 0, count: e.elementCount)
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0) }
        return NamedTensor(name: name, shape: e.shape, values: values)
    }

    // MARK: writing

    /// Writes tensors in the layout of the reference `safetensors` library: names sorted, data
    /// packed in that order, compact JSON header padded with spaces to a multiple of 8 bytes.
    /// The file appears atomically (written beside, then renamed).
    public static func write(_ tensors: [NamedTensor], to url: URL, dtype: SafetensorsDType,
                             metadata: [String: String] = ["format": "pt"]) throws {
        var byName: [String: NamedTensor] = [:]
        for t in tensors {
            guard byName.updateValue(t, forKey: t.name) == nil else {
                throw CheckpointError.duplicateTensor(file: url.path, tensor: t.name)
            }
            guard t.shape.reduce(1, *) == t.values.count else {
                throw CheckpointError.shapeMismatch(file: url.path, tensor: t.name, expected: t.shape,
                                                    actual: [t.values.count])
            }
        }
        try write(layout: tensors.map { ($0.name, $0.shape) }, to: url, dtype: dtype, metadata: metadata) { name, out in
            _ = byName[name]!.values.withUnsafeBufferPointer { out.update(fromContentsOf: $0) }
        }
    }

    /// Streaming form: the header comes from `layout`, then `fill` provides each tensor's f32
    /// values in turn, so a large checkpoint is never held in memory whole.
    public static func write(layout: [(name: String, shape: [Int])], to url: URL, dtype: SafetensorsDType,
                             metadata: [String: String] = ["format": "pt"],
                             fill: (String, UnsafeMutableBufferPointer<Float>) throws -> Void) throws {
        let sorted = layout.sorted { $0.name < $1.name }
        var header: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            header.append(("__metadata__", .object(JSONObject(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))))
        }
        var offset = 0, seen = Set<String>()
        for t in sorted {
            guard seen.insert(t.name).inserted else {
                throw CheckpointError.duplicateTensor(file: url.path, tensor: t.name)
            }
            let size = t.shape.reduce(1, *) * dtype.byteSize
            header.append((t.name, .object([
                ("dtype", .string(dtype.rawValue)),
                ("shape", .array(t.shape.map { .int($0) })),
                ("data_offsets", .array([.int(offset), .int(offset + size)])),
            ])))
            offset += size
        }
        var json = Array(JSONValue.object(JSONObject(header)).serialized(compact: true).utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)

        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil),
              let fh = FileHandle(forWritingAtPath: tmp.path) else {
            throw CheckpointError.writeFailed(file: url.path, reason: "cannot create \(tmp.path)")
        }
        do {
            var lenLE = UInt64(json.count).littleEndian
            try fh.write(contentsOf: Data(bytes: &lenLE, count: 8))
            try fh.write(contentsOf: Data(json))
            var buffer: [Float] = []
            for t in sorted {
                let n = t.shape.reduce(1, *)
                if buffer.count < n { buffer = [Float](repeating: 0, count: n) }
                try buffer.withUnsafeMutableBufferPointer { b in
                    let slice = UnsafeMutableBufferPointer(rebasing: b[0 ..< n])
                    try fill(t.name, slice)
                    try fh.write(contentsOf: encode(UnsafeBufferPointer(slice), dtype))
                }
            }
            try fh.close()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: tmp, to: url)
        } catch {
            try? fh.close()
            try? FileManager.default.removeItem(at: tmp)
            if error is CheckpointError || error is GGUFError { throw error }
            throw CheckpointError.writeFailed(file: url.path, reason: "\(error)")
        }
    }

    static func encode(_ values: UnsafeBufferPointer<Float>, _ dtype: SafetensorsDType) -> Data {
        switch dtype {
        case .f32:
            return Data(buffer: values)
        case .f16:
            var out = [UInt16](repeating: 0, count: values.count)
            for i in values.indices { out[i] = floatToHalf(values[i]).littleEndian }
            return out.withUnsafeBytes { Data($0) }
        case .bf16:
            var out = [UInt16](repeating: 0, count: values.count)
            for i in values.indices { out[i] = floatToBFloat16(values[i]).littleEndian }
            return out.withUnsafeBytes { Data($0) }
        }
    }
}
