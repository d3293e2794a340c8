/// Errors of a GGUF file; each names the file and the field (or tensor) at fault.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case badMagic(file: String, found: UInt32)
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, field: String, offset: Int, needed: Int, available: Int)
    /// A count or length read from the file that the bytes after it cannot hold.
    case implausibleCount(file: String, field: String, offset: Int, count: UInt64, minBytesEach: Int, available: Int)
    case badValue(file: String, field: String, reason: String)
    case unknownValueType(file: String, field: String, type: UInt32)
    case unknownTensorType(file: String, tensor: String, type: UInt32)
    case unsupportedTensorType(file: String, tensor: String, type: String)
    case tensorOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case overlappingTensors(file: String, tensor: String, other: String)
    case missingField(file: String, field: String)
    case missingTensor(file: String, tensor: String)
    case unknownTensorName(file: String, tensor: String)
    case unsupported(file: String, field: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(f, r): return "\(f): cannot open (\(r))"
        case let .badMagic(f, m): return "\(f): not a GGUF file (magic 0x\(String(m, radix: 16)))"
        case let .unsupportedVersion(f, v): return "\(f): GGUF version \(v) is not supported (2 and 3 are)"
        case let .truncated(f, field, o, n, a):
            return "\(f): truncated in \(field) at offset \(o): needs \(n) bytes, \(a) left"
        case let .implausibleCount(f, field, o, n, k, a):
            let unit = k == 1 ? "1 byte" : "at least \(k) bytes"
            return "\(f): \(field) at offset \(o) is \(n), but only \(a) bytes follow (each item takes \(unit)): corrupt or truncated"
        case let .badValue(f, field, r): return "\(f): \(field): \(r)"
        case let .unknownValueType(f, field, t): return "\(f): \(field): unknown metadata value type \(t)"
        case let .unknownTensorType(f, t, ty): return "\(f): tensor '\(t)': unknown ggml type \(ty)"
        case let .unsupportedTensorType(f, t, ty): return "\(f): tensor '\(t)': cannot dequantise type \(ty)"
        case let .tensorOutOfRange(f, t, b, e, n):
            return "\(f): tensor '\(t)' data [\(b), \(e)) lies outside the data section (\(n) bytes)"
        case let .overlappingTensors(f, t, o): return "\(f): tensor '\(t)' overlaps tensor '\(o)'"
        case let .missingField(f, field): return "\(f): metadata key '\(field)' is missing"
        case let .missingTensor(f, t): return "\(f): tensor '\(t)' is missing"
        case let .unknownTensorName(f, t): return "\(f): tensor '\(t)' has no Hugging Face counterpart"
        case let .unsupported(f, field, r): return "\(f): \(field): \(r)"
        }
    }
}
