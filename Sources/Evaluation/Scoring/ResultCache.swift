// Every request's result on disk, keyed by a hash of (model identity, encoded tokens), so an
// interrupted run resumes where it stopped. One append-only JSON-lines file per model identity;
// each line is written with one write() call after its stem finishes, and a torn last line (the
// process was killed mid-write) is ignored on load.
import Foundation

/// 128-bit key from two independent 64-bit FNV-1a streams over the same bytes.
struct RequestKey: Hashable {
    var high: UInt64
    var low: UInt64
    var hex: String {
        let h = String(high, radix: 16), l = String(low, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h + String(repeating: "0", count: 16 - l.count) + l
    }
    init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
    init?(hex: String) {
        guard hex.count == 32, let h = UInt64(hex.prefix(16), radix: 16),
              let l = UInt64(hex.suffix(16), radix: 16) else { return nil }
        self.init(high: h, low: l)
    }
}

struct KeyHasher {
    private var a: UInt64 = 0xcbf29ce484222325
    private var b: UInt64 = 0x84222325cbf29ce4 ^ 0x9e3779b97f4a7c15
    mutating func add(byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x100000001b3
        b = (b ^ UInt64(byte ^ 0x5c)) &* 0x100000001b3
        b = (b << 29) | (b >> 35)
    }
    mutating func add(_ value: Int) {
        var v = UInt64(bitPattern: Int64(value))
        for _ in 0..<8 { add(byte: UInt8(truncatingIfNeeded: v)); v >>= 8 }
    }
    mutating func add(_ s: String) {
        add(s.utf8.count)
        for c in s.utf8 { add(byte: c) }
    }
    mutating func add(_ tokens: [Int]) {
        add(tokens.count)
        for t in tokens { add(t) }
    }
    var key: RequestKey {
        // Final avalanche so nearby inputs do not share key bits.
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9e3779b97f4a7c15
            z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
            z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
            return z ^ (z >> 31)
        }
        return RequestKey(high: mix(a), low: mix(b ^ a))
    }
}

func requestKey(identity: String, _ r: EncodedRequest) -> RequestKey {
    var h = KeyHasher()
    h.add(identity)
    h.add(r.input)
    h.add(r.targets)
    h.add(r.truncatedTokens)
    return h.key
}

/// The on-disk cache. Log-probabilities are stored as the bit pattern of the Double so a resumed
/// run returns bit-identical values.
final class ResultCache {
    let url: URL
    private(set) var entries: [RequestKey: LoglikelihoodResult] = [:]
    private var handle: FileHandle?

    init(directory: URL, identity: String) throws {
        var h = KeyHasher(); h.add(identity)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("loglikelihood-\(h.key.hex).jsonl")
        if FileManager.default.fileExists(atPath: url.path) { try load() }
    }

    private func load() throws {
        let data = try Data(contentsOf: url)
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() where !line.isEmpty {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let k = obj["key"] as? String, let key = RequestKey(hex: k),
                  let bits = obj["logprob_bits"] as? String, let b = UInt64(bits, radix: 16),
                  let g = obj["is_greedy"] as? Bool, let t = obj["truncated"] as? Int else {
                // Only the last line may be torn by an interruption; anything else is corruption.
                if n == lines.count - 1 || (n == lines.count - 2 && lines.last!.isEmpty) { continue }
                throw ScoringError.cacheFile(path: url.path, line: n + 1, reason: "malformed cache line")
            }
            entries[key] = LoglikelihoodResult(logprob: Double(bitPattern: b), isGreedy: g,
                                               truncatedTokens: t)
        }
        // A torn last line (no final newline) is cut off so appends continue on a clean line.
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            let h = try FileHandle(forWritingTo: url)
            try h.truncate(atOffset: UInt64(keep))
            try h.close()
        }
    }

    subscript(key: RequestKey) -> LoglikelihoodResult? { entries[key] }

    private func append(raw: String) throws {
        if handle == nil {
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            handle = try FileHandle(forWritingTo: url)
            try handle!.seekToEnd()
        }
        try handle!.write(contentsOf: Data(raw.utf8))
    }

    func store(_ items: [(RequestKey, LoglikelihoodResult)]) throws {
        guard !items.isEmpty else { return }
        var text = ""
        for (key, r) in items {
            entries[key] = r
            text += "{\"key\":\"\(key.hex)\",\"logprob_bits\":\"\(String(r.logprob.bitPattern, radix: 16))\","
                + "\"logprob\":\(r.logprob.isFinite ? "\(r.logprob)" : "null"),\"is_greedy\":\(r.isGreedy),\"truncated\":\(r.truncatedTokens)}\n"
        }
        try append(raw: text)
    }

    deinit { try? handle?.close() }
}
