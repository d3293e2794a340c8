import Foundation

/// A metadata value of a GGUF file.
public enum GGUFValue: Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// Element type id and elements (all of that type).
    case array(UInt32, [GGUFValue])

    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return v <= UInt64(Int.max) ? Int(v) : nil
        case let .int64(v): return Int(v)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }
    public var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var array: [GGUFValue]? { if case let .array(_, a) = self { return a }; return nil }
}

/// One tensor's header entry. `dims` are ggml's ne[] (innermost first); `shape` is the
/// row-major (PyTorch) order.
public struct GGUFTensorInfo: Equatable {
    public var name: String
    public var dims: [Int]
    public var type: GGMLType
    /// Offset within the data section.
    public var offset: Int
    public var byteCount: Int
    public var shape: [Int] { dims.reversed() }
    public var elementCount: Int { dims.reduce(1, *) }
}

/// A memory-mapped GGUF file (versions 2 and 3) whose header has been validated: every tensor's
/// bytes lie inside the file and no two overlap.
public final class GGUFFile {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    private let map: MappedFile
    private let tensorIndex: [String: Int]

    public init(path: String) throws {
        do { map = try MappedFile(path: path) } catch let CheckpointError.cannotOpen(_, reason) {
            throw GGUFError.cannotOpen(file: path, reason: reason)
        }
        self.path = path
        var c = Cursor(bytes: map.bytes, file: path)
        let m = try c.u32("magic")
        guard m == Self.magic else { throw GGUFError.badMagic(file: path, found: m) }
        version = try c.u32("version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(file: path, version: version) }
        let nTensors = try c.count("tensor_count", minBytesEach: 24)
        let nKV = try c.count("metadata_kv_count", minBytesEach: 12)

        var keys: [String] = [], meta: [String: GGUFValue] = [:]
        for i in 0 ..< nKV {
            let key = try c.string("metadata key #\(i)")
            let type = try c.u32("\(key) (type)")
            let value = try c.value(type: type, field: key)
            if meta[key] != nil { throw GGUFError.badValue(file: path, field: key, reason: "key appears twice") }
            keys.append(key)
            meta[key] = value
        }
        metadataKeys = keys
        metadata = meta

        var align = 32
        if let a = meta["general.alignment"] {
            guard case let .uint32(v) = a, v > 0, v & (v - 1) == 0 else {
                throw GGUFError.badValue(file: path, field: "general.alignment",
                                         reason: "expected a uint32 power of two, got \(a)")
            }
            align = Int(v)
        }
        alignment = align

        var infos: [GGUFTensorInfo] = [], index: [String: Int] = [:]
        for i in 0 ..< nTensors {
            let name = try c.string("tensor info #\(i) name")
            let nDims = Int(try c.u32("\(name).n_dims"))
            guard (1 ... 4).contains(nDims) else {
                throw GGUFError.badValue(file: path, field: "\(name).n_dims", reason: "\(nDims) is not in 1...4")
            }
            var dims: [Int] = []
            for d in 0 ..< nDims {
                let v = try c.u64("\(name).ne[\(d)]")
                guard v <= UInt64(1 << 40) else {
                    throw GGUFError.badValue(file: path, field: "\(name).ne[\(d)]", reason: "\(v) is implausibly large")
                }
                dims.append(Int(v))
            }
            let typeID = try c.u32("\(name).type")
            guard let type = GGMLType.byID(typeID) else {
                throw GGUFError.unknownTensorType(file: path, tensor: name, type: typeID)
            }
            let off = try c.u64("\(name).offset")
            guard off <= UInt64(map.count) else {
                throw GGUFError.badValue(file: path, field: "\(name).offset",
                                         reason: "\(off) lies beyond the end of the file (\(map.count) bytes)")
            }
            guard Int(off) % align == 0 else {
                throw GGUFError.badValue(file: path, field: "\(name).offset",
                                         reason: "\(off) is not a multiple of the alignment \(align)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError.badValue(file: path, field: "\(name).ne[0]",
                                         reason: "\(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            let (count, o) = dims.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !o, count <= Int.max / 64 else {
                throw GGUFError.badValue(file: path, field: "\(name).ne", reason: "element count overflows")
            }
            if index[name] != nil { throw GGUFError.badValue(file: path, field: name, reason: "tensor name appears twice") }
            index[name] = infos.count
            infos.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(off),
                                        byteCount: count / type.blockSize * type.typeSize))
        }
        // The data section starts at the next multiple of the alignment.
        dataOffset = (c.offset + align - 1) / align * align
        let dataSize = max(0, map.count - dataOffset)
        for t in infos where t.offset + t.byteCount > dataSize {
            throw GGUFError.tensorOutOfRange(file: path, tensor: t.name, begin: t.offset,
                                             end: t.offset + t.byteCount, dataSize: dataSize)
        }
        let sorted = infos.filter { $0.byteCount > 0 }.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.offset < a.offset + a.byteCount {
            throw GGUFError.overlappingTensors(file: path, tensor: b.name, other: a.name)
        }
        tensors = infos
        tensorIndex = index
    }

    public func tensorInfo(_ name: String) -> GGUFTensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// The raw bytes of a tensor; valid while `self` is alive.
    public func rawBytes(_ t: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: map.bytes[(dataOffset + t.offset) ..< (dataOffset + t.offset + t.byteCount)])
    }

    /// Dequantises a tensor to Float32 (row-major in `shape` order) into `out`.
    public func dequantise(_ t: GGUFTensorInfo, into out: UnsafeMutableBufferPointer<Float>) throws {
        precondition(out.count == t.elementCount, "destination size does not match tensor \(t.name)")
        guard t.type.canDequantise else {
            throw GGUFError.unsupportedTensorType(file: path, tensor: t.name, type: t.type.name)
        }
        GGMLDequant.dequantise(rawBytes(t), type: t.type, count: t.elementCount, into: out.baseAddress!)
    }

    public func tensor(_ name: String) throws -> NamedTensor {
        guard let t = tensorInfo(name) else { throw GGUFError.missingTensor(file: path, tensor: name) }
        var v = [Float](repeating: 0, count: t.elementCount)
        try v.withUnsafeMutableBufferPointer { try dequantise(t, into: $0) }
        return NamedTensor(name: name, shape: t.shape, values: v)
    }

    // MARK: typed metadata access; errors name the key

    public func value(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError.missingField(file: path, field: key) }
        return v
    }
    public func int(_ key: String) throws -> Int? {
        guard let v = metadata[key] else { return nil }
        guard let i = v.int else { throw GGUFError.badValue(file: path, field: key, reason: "expected an integer, got \(v)") }
        return i
    }
    public func double(_ key: String) throws -> Double? {
        guard let v = metadata[key] else { return nil }
        guard let d = v.double else { throw GGUFError.badValue(file: path, field: key, reason: "expected a number, got \(v)") }
        return d
    }
    public func string(_ key: String) throws -> String? {
        guard let v = metadata[key] else { return nil }
        guard let s = v.string else { throw GGUFError.badValue(file: path, field: key, reason: "expected a string") }
        return s
    }
    public func bool(_ key: String) throws -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.bool else { throw GGUFError.badValue(file: path, field: key, reason: "expected a bool") }
        return b
    }
    public func stringArray(_ key: String) throws -> [String]? {
        guard let v = metadata[key] else { return nil }
        guard let a = v.array else { throw GGUFError.badValue(file: path, field: key, reason: "expected an array") }
        return try a.map {
            guard let s = $0.string else { throw GGUFError.badValue(file: path, field: key, reason: "expected strings") }
            return s
        }
    }
    public func intArray(_ key: String) throws -> [Int]? {
        guard let v = metadata[key] else { return nil }
        guard let a = v.array else { throw GGUFError.badValue(file: path, field: key, reason: "expected an array") }
        return try a.map {
            guard let i = $0.int else { throw GGUFError.badValue(file: path, field: key, reason: "expected integers") }
            return i
        }
    }
}

/// Bounds-checked little-endian reads over the mapped header.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var offset = 0

    mutating func take(_ n: Int, _ field: String) throws -> Int {
        let left = bytes.count - offset
        guard n >= 0, n <= left else {
            throw GGUFError.truncated(file: file, field: field, offset: offset, needed: n, available: left)
        }
        defer { offset += n }
        return offset
    }
    mutating func load<T: FixedWidthInteger>(_ t: T.Type, _ field: String) throws -> T {
        let at = try take(MemoryLayout<T>.size, field)
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
    }
    mutating func u32(_ f: String) throws -> UInt32 { try load(UInt32.self, f) }
    mutating func u64(_ f: String) throws -> UInt64 { try load(UInt64.self, f) }

    /// A uint64 count, refused when the remaining bytes could not possibly hold that many items.
    mutating func count(_ field: String, minBytesEach: Int) throws -> Int {
        let at = offset
        let n = try u64(field)
        let left = bytes.count - offset
        guard n <= UInt64(left / max(minBytesEach, 1)) else {
            throw GGUFError.implausibleCount(file: file, field: field, offset: at, count: n,
                                             minBytesEach: minBytesEach, available: left)
        }
        return Int(n)
    }

    mutating func string(_ field: String) throws -> String {
        let n = try count("\(field) (length)", minBytesEach: 1)
        let at = try take(n, field)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at ..< at + n]), as: UTF8.self)
    }

    mutating func value(type: UInt32, field: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try load(UInt8.self, field))
        case 1: return .int8(try load(Int8.self, field))
        case 2: return .uint16(try load(UInt16.self, field))
        case 3: return .int16(try load(Int16.self, field))
        case 4: return .uint32(try load(UInt32.self, field))
        case 5: return .int32(try load(Int32.self, field))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, field)))
        case 7:
            let b = try load(UInt8.self, field)
            guard b <= 1 else { throw GGUFError.badValue(file: file, field: field, reason: "bool byte is \(b)") }
            return .bool(b == 1)
        case 8: return .string(try string(field))
        case 9:
            let elemType = try u32("\(field) (array type)")
            guard elemType != 9 else {
                // Nested arrays exist in the spec but no writer we know emits them; refuse clearly.
                throw GGUFError.unsupported(file: file, field: field, reason: "nested arrays")
            }
            let minSize: Int
            switch elemType {
            case 0, 1, 7: minSize = 1
            case 2, 3: minSize = 2
            case 4, 5, 6: minSize = 4
            case 8, 10, 11, 12: minSize = 8
            default: throw GGUFError.unknownValueType(file: file, field: field, type: elemType)
            }
            let n = try count("\(field) (array length)", minBytesEach: minSize)
            var out: [GGUFValue] = []
            out.reserveCapacity(n)
            for i in 0 ..< n { out.append(try value(type: elemType, field: "\(field)[\(i)]")) }
            return .array(elemType, out)
        case 10: return .uint64(try load(UInt64.self, field))
        case 11: return .int64(try load(Int64.self, field))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, field)))
        default: throw GGUFError.unknownValueType(file: file, field: field, type: type)
        }
    }
}
