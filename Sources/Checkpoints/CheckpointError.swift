import Foundation

/// Every way a checkpoint file can be wrong. Each case names the file and, where one is involved,
/// the tensor or field, so a user can find the problem without a debugger.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case truncated(file: String, field: String, needed: Int, available: Int)
    case headerTooLarge(file: String, headerLength: UInt64, fileSize: Int)
    case badJSON(file: String, reason: String)
    case badField(file: String, field: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    case byteCountMismatch(file: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    case offsetOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case overlappingTensors(file: String, tensor: String, other: String)
    case missingTensor(file: String, tensor: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    case duplicateTensor(file: String, tensor: String)
    case unknownModelType(file: String, modelType: String)
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(f, r): return "\(f): cannot open (\(r))"
        case let .truncated(f, field, n, a):
            return "\(f): truncated while reading \(field): needs \(n) bytes, \(a) available"
        case let .headerTooLarge(f, h, s):
            return "\(f): header length \(h) goes beyond the file (\(s) bytes)"
        case let .badJSON(f, r): return "\(f): invalid JSON (\(r))"
        case let .badField(f, field, r): return "\(f): field '\(field)': \(r)"
        case let .unknownDType(f, t, d): return "\(f): tensor '\(t)' has unknown dtype '\(d)'"
        case let .unsupportedDType(f, t, d):
            return "\(f): tensor '\(t)' has dtype '\(d)', which cannot be read as floats"
        case let .byteCountMismatch(f, t, d, s, e, a):
            return "\(f): tensor '\(t)' (\(d), shape \(s)) needs \(e) bytes but its offsets span \(a)"
        case let .offsetOutOfRange(f, t, b, e, n):
            return "\(f): tensor '\(t)' offsets [\(b), \(e)) lie outside the data section (\(n) bytes)"
        case let .overlappingTensors(f, t, o): return "\(f): tensor '\(t)' overlaps tensor '\(o)'"
        case let .missingTensor(f, t): return "\(f): tensor '\(t)' is missing"
        case let .shapeMismatch(f, t, e, a): return "\(f): tensor '\(t)' has shape \(a), expected \(e)"
        case let .duplicateTensor(f, t): return "\(f): tensor '\(t)' appears more than once"
        case let .unknownModelType(f, m): return "\(f): unknown model_type '\(m)' (supported: llama)"
        case let .writeFailed(f, r): return "\(f): write failed (\(r))"
        }
    }
}
