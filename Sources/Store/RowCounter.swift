import Foundation

/// Row counts and a first-record check: the identity of last resort, for files whose exact bytes
/// are not known (e.g. gated upstream files).
enum RowCounter {
    static let formats: Set<String> = ["json", "jsonl", "csv", "csv-noheader", "text"]

    struct Result { var rows: Int; var firstRecordText: [String] }

    static func count(_ url: URL, format: String) throws -> Result {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw StoreError.io(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        switch format {
        case "json":
            guard let arr = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
                throw StoreError.io(path: url.path, reason: "not a JSON array")
            }
            return Result(rows: arr.count, firstRecordText: arr.first.map(strings) ?? [])
        case "jsonl":
            var rows = 0
            var first: [String] = []
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
                if rows == 0 {
                    guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) else {
                        throw StoreError.io(path: url.path, reason: "line 1 is not JSON")
                    }
                    first = strings(obj)
                }
                rows += 1
            }
            return Result(rows: rows, firstRecordText: first)
        case "csv", "csv-noheader":
            let (records, firstRecord) = csvRecords(data, skipHeader: format == "csv")
            return Result(rows: records, firstRecordText: [firstRecord])
        default:
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let n = lines.last?.isEmpty == true ? lines.count - 1 : lines.count
            return Result(rows: n, firstRecordText: [String(decoding: lines.first ?? Data(), as: UTF8.self)])
        }
    }

    /// RFC 4180 record count (quoted fields may hold newlines); returns the first data record's raw text.
    static func csvRecords(_ data: Data, skipHeader: Bool) -> (Int, String) {
        var inQuotes = false
        var records = 0
        var recordStart = 0
        var recordHasBytes = false
        var first = ""
        var i = 0
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            let n = b.count
            func endRecord(_ end: Int) {
                if recordHasBytes {
                    records += 1
                    if records == (skipHeader ? 2 : 1) {
                        first = String(decoding: UnsafeRawBufferPointer(rebasing: b[recordStart..<end]), as: UTF8.self)
                    }
                }
                recordHasBytes = false
                recordStart = end + 1
            }
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "\"") { inQuotes.toggle(); recordHasBytes = true }
                else if c == UInt8(ascii: "\n") && !inQuotes { endRecord(i) }
                else if c != UInt8(ascii: "\r") { recordHasBytes = true }
                i += 1
            }
            endRecord(n)
        }
        return (skipHeader ? max(records - 1, 0) : records, first)
    }

    private static func strings(_ v: Any) -> [String] {
        if let s = v as? String { return [s] }
        if let a = v as? [Any] { return a.flatMap(strings) }
        if let d = v as? [String: Any] { return d.keys.sorted().flatMap { strings(d[$0]!) } }
        return []
    }
}
