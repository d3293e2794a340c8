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

    /// RFC 4180 record count as Python's csv module reads it: a quote opens a quoted field only at
    /// the start of a field (quoted fields may hold commas and newlines, `""` is a literal quote);
    /// elsewhere it is an ordinary character. Returns the first data record's raw text.
    static func csvRecords(_ data: Data, skipHeader: Bool) -> (Int, String) {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var state = State.fieldStart
        var records = 0
        var recordStart = 0
        var recordHasBytes = false
        var first = ""
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
                state = .fieldStart
            }
            for i in 0..<n {
                let c = b[i]
                switch state {
                case .quoted:
                    if c == quote { state = .quoteInQuoted }
                case .fieldStart, .unquoted, .quoteInQuoted:
                    if c == quote && state == .fieldStart { state = .quoted; recordHasBytes = true }
                    else if c == quote && state == .quoteInQuoted { state = .quoted }
                    else if c == comma { state = .fieldStart; recordHasBytes = true }
                    else if c == lf { endRecord(i) }
                    else if c != cr { state = .unquoted; recordHasBytes = true }
                }
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
