/// Every way reading benchmark data can fail; each names the file and, where it applies, the row.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case noDataDirectory
    case missingFile(path: String, dataDirectory: String)
    case checksumMismatch(path: String, expected: String, actual: String)
    case notUTF8(path: String)
    case malformedFile(path: String, message: String)
    /// `row` is 1-based: the CSV record's starting line, the JSONL line, or the JSON array index + 1.
    case malformedRow(path: String, row: Int, message: String)

    public var description: String {
        switch self {
        case .noDataDirectory:
            return "no data directory: pass --data-dir DIR or set SFTGO_DATA_DIR (layout as ../shared/data)"
        case .missingFile(let p, let d):
            return "data file missing: \(p) (looked in data directory \(d))"
        case .checksumMismatch(let p, let e, let a):
            return "data file corrupt: \(p) has sha256 \(a), expected \(e)"
        case .notUTF8(let p):
            return "data file \(p) is not valid UTF-8"
        case .malformedFile(let p, let m):
            return "malformed data file \(p): \(m)"
        case .malformedRow(let p, let r, let m):
            return "malformed row \(r) in \(p): \(m)"
        }
    }
}
