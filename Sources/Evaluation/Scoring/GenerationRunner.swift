// lm-eval's `generate_until` on the engine (eval-spec §1.4): prompts encoded without special
// tokens and left-truncated to max_length − max_gen_toks, greedy decoding batched across requests
// (BatchedGenerator), stopping at the generation config's EOS ids, the token budget or a stop
// string; the output is the decoded text (special tokens skipped) cut at the first stop string.
// Each finished generation is appended to an on-disk cache, so a killed run resumes without
// regenerating what it already has.
import Foundation
import Models

/// Batched greedy generation over token ids (the Llama through BatchedGenerator; fakes in tests).
public protocol GenerationBackend: AnyObject {
    var contextWindow: Int { get }
    /// Generated ids per prompt (a stop id is kept at the end, as transformers keeps EOS).
    /// `finished(i, ids)` is called as each prompt completes.
    func generateBatch(_ prompts: [[Int]], maxNewTokens: [Int], stopTokenIds: Set<Int>,
                       shouldStop: (Int, [Int]) -> Bool,
                       finished: (Int, [Int]) throws -> Void) throws -> [[Int]]
}

/// Counters of one generate call, for the benchmark.
public struct GenerationStats: Sendable, Equatable {
    public var requests = 0
    public var generated = 0      // requests actually decoded (not duplicates, not from the cache)
    public var cached = 0
    public var generatedTokens = 0
    public var truncatedTokens = 0
    public var seconds = 0.0
    public init() {}
}

public final class GenerationRunner {
    let backend: GenerationBackend
    let tokenizer: ScoringTokenizer
    let stopTokenIds: Set<Int>
    let addBOS: Bool
    let identity: String
    private let cache: GenerationCache?
    public private(set) var stats = GenerationStats()

    /// `stopTokenIds`: the tokenizer's EOS and the generation config's eos_token_id(s).
    public init(backend: GenerationBackend, tokenizer: ScoringTokenizer, stopTokenIds: Set<Int>,
                identity: String, addBOS: Bool = false, cacheDirectory: URL? = nil) throws {
        self.backend = backend
        self.tokenizer = tokenizer
        self.stopTokenIds = stopTokenIds
        self.addBOS = addBOS
        self.identity = identity
        cache = try cacheDirectory.map { try GenerationCache(directory: $0, identity: identity) }
    }

    /// The prompt tokens lm-eval's HF backend feeds: encode(context) (BOS only when asked), keeping
    /// the last max_length − max_gen_toks tokens (at least one). Returns the tokens dropped too.
    func promptTokens(_ r: GenerationRequest) throws -> (tokens: [Int], dropped: Int) {
        var p = try tokenizer.encodePlain(r.context)
        if addBOS, let bos = tokenizer.bosTokenId, p.first != bos { p.insert(bos, at: 0) }
        if p.isEmpty, let start = tokenizer.bosTokenId ?? tokenizer.eosTokenId { p = [start] }
        let keep = max(1, backend.contextWindow - r.maxGenTokens)
        let dropped = max(0, p.count - keep)
        return (dropped > 0 ? Array(p.suffix(keep)) : p, dropped)
    }

    public func generate(_ requests: [GenerationRequest], progress: ((Int) -> Void)? = nil) throws -> [String] {
        let start = Date()
        var prompts: [[Int]] = []
        var keys: [RequestKey] = []
        var ids = [[Int]?](repeating: nil, count: requests.count)
        var done = 0
        for r in requests {
            let (p, dropped) = try promptTokens(r)
            stats.truncatedTokens += dropped
            prompts.append(p)
            var h = KeyHasher()
            h.add(identity); h.add(p); h.add(r.maxGenTokens)
            h.add(stopTokenIds.sorted())
            h.add(r.until.count); for s in r.until { h.add(s) }
            keys.append(h.key)
        }
        // Identical requests are decoded once; cached ones not at all.
        var firstOf: [RequestKey: Int] = [:]
        var todo: [Int] = []
        for i in requests.indices {
            if let hit = cache?[keys[i]] {
                ids[i] = hit; stats.cached += 1; done += 1
            } else if firstOf[keys[i]] == nil {
                firstOf[keys[i]] = i; todo.append(i)
            }
        }
        progress?(done)
        // Longest prompts first, as lm-eval orders them (outputs do not depend on the order).
        todo.sort { prompts[$0].count != prompts[$1].count ? prompts[$0].count > prompts[$1].count : $0 < $1 }
        let stops = requests.map { $0.until.filter { !$0.isEmpty } }
        let out = try backend.generateBatch(
            todo.map { prompts[$0] }, maxNewTokens: todo.map { requests[$0].maxGenTokens }, stopTokenIds: stopTokenIds,
            shouldStop: { [tokenizer] k, generated in
                // Stop early once a stop string is in the text; the output is cut below anyway.
                let s = stops[todo[k]]
                guard !s.isEmpty, let text = try? tokenizer.decodeSkippingSpecial(generated) else { return false }
                // Literal (code-unit) matching, as Python's `in`; not Swift's canonical equivalence.
                return s.contains { text.range(of: $0, options: .literal) != nil }
            },
            finished: { [cache] k, generated in
                try cache?.store(keys[todo[k]], generated)
                done += 1
                progress?(done)
            })
        for (k, i) in todo.enumerated() {
            ids[i] = out[k]
            stats.generatedTokens += out[k].count
        }
        stats.generated += todo.count
        stats.requests += requests.count
        var texts: [String] = []
        for i in requests.indices {
            let g = ids[i] ?? ids[firstOf[keys[i]]!]!
            texts.append(cutAtFirstStop(try tokenizer.decodeSkippingSpecial(g), stops: stops[i]))
        }
        stats.seconds += Date().timeIntervalSince(start)
        return texts
    }
}

/// Generated token ids by request key, one JSON line per finished generation; a torn last line
/// (the process was killed mid-write) is ignored.
final class GenerationCache {
    let url: URL
    private var entries: [RequestKey: [Int]] = [:]
    private var handle: FileHandle?

    init(directory: URL, identity: String) throws {
        var h = KeyHasher(); h.add(identity)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("generate-\(h.key.hex).jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let data = try Data(contentsOf: url)
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() where !line.isEmpty {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let k = obj["key"] as? String, let key = RequestKey(hex: k), let t = obj["tokens"] as? [Int] else {
                if n >= lines.count - 2 { continue }
                throw ScoringError.cacheFile(path: url.path, line: n + 1, reason: "malformed generation cache line")
            }
            entries[key] = t
        }
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            let fh = try FileHandle(forWritingTo: url)
            try fh.truncate(atOffset: UInt64(keep))
            try fh.close()
        }
    }

    subscript(key: RequestKey) -> [Int]? { entries[key] }

    func store(_ key: RequestKey, _ tokens: [Int]) throws {
        entries[key] = tokens
        if handle == nil {
            if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
            handle = try FileHandle(forWritingTo: url)
            try handle!.seekToEnd()
        }
        let line = "{\"key\":\"\(key.hex)\",\"tokens\":[\(tokens.map(String.init).joined(separator: ","))]}\n"
        try handle!.write(contentsOf: Data(line.utf8))
    }

    deinit { try? handle?.close() }
}
