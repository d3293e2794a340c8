import Foundation

/// Every failure of the store names the file it is about and, where one exists, the command that fixes it.
public enum StoreError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case unknownDataset(String, known: [String])
    case unknownFile(dataset: String, path: String)
    case missing(dataset: String, path: String, remedy: String)
    case corrupt(dataset: String, path: String, reason: String, remedy: String)
    case registry(String)
    case io(path: String, reason: String)
    case http(url: String, status: Int)
    case network(url: String, reason: String)
    case checksum(path: String, expected: String, actual: String)
    case unsafeArchiveEntry(archive: String, entry: String, reason: String)
    case archive(path: String, reason: String)
    case nothingRecognised(path: String)
    case notFetchable(dataset: String, reason: String)

    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case let .unknownDataset(n, known):
            return "unknown data set '\(n)'; registered: \(known.joined(separator: ", "))"
        case let .unknownFile(d, p):
            return "'\(p)' is not a registered file of data set '\(d)'"
        case let .missing(d, p, remedy):
            return "\(d): missing file \(p) — get it with: \(remedy)"
        case let .corrupt(d, p, reason, remedy):
            return "\(d): corrupt file \(p): \(reason) — replace it with: \(remedy)"
        case let .registry(m): return "data registry: \(m)"
        case let .io(p, r): return "\(p): \(r)"
        case let .http(u, s): return "HTTP \(s) from \(u)"
        case let .network(u, r): return "download of \(u) failed: \(r)"
        case let .checksum(p, e, a): return "\(p): checksum mismatch (expected \(e), got \(a))"
        case let .unsafeArchiveEntry(a, e, r): return "\(a): refused entry '\(e)': \(r); nothing was imported"
        case let .archive(p, r): return "\(p): unreadable archive: \(r); nothing was imported"
        case let .nothingRecognised(p): return "\(p): no file of any registered data set was recognised"
        case let .notFetchable(d, r): return "\(d): cannot be fetched: \(r)"
        }
    }
}
