// Important masks on disk (CONTRACT.md): one JSON line per training example in loss-token order,
// `{"index": i, "ids": [...], "scores": [...], "important": [0/1, ...]}`, beside a manifest naming
// everything the masks depend on (data sha256, tokenizer, method and its settings, η, scope, model).
// Masks are computed once per identity; a cache whose manifest, content or token ids disagree with
// the run is refused with the differing field named, never silently used.

import Checkpoints
import Foundation
import Store

/// Everything a set of masks depends on. Two runs may share masks iff their identities are equal.
public struct MaskIdentity: Equatable, Sendable {
    public var dataSHA256: String
    /// sha256 of tokenizer.json + tokenizer_config.json (vocabulary, merges and chat template).
    public var tokenizer: String
    public var method: String
    /// Method settings that change scores (units, seed, models), sorted by key in the manifest.
    public var settings: [String: String]
    public var eta: Double
    public var scope: SelectionScope
    /// Examples pooled per percentile with batch scope (0 with sequence scope).
    public var batchSize: Int
    /// Identity of the scoring model ("none" for model-free methods).
    public var modelHash: String

    public init(dataSHA256: String, tokenizer: String, method: String, settings: [String: String], eta: Double,
                scope: SelectionScope, batchSize: Int, modelHash: String) {
        self.dataSHA256 = dataSHA256
        self.tokenizer = tokenizer
        self.method = method
        self.settings = settings
        self.eta = eta
        self.scope = scope
        self.batchSize = scope == .batch ? batchSize : 0
        self.modelHash = modelHash
    }

    /// (field, value) pairs in manifest order: the one description used for keys and comparisons.
    var fields: [(String, String)] {
        [("data_sha256", dataSHA256), ("tokenizer", tokenizer), ("method", method),
         ("settings", settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: ",")),
         ("eta", String(eta)), ("scope", scope.rawValue), ("batch_size", String(batchSize)), ("model", modelHash)]
    }

    /// Folder name under the cache root: method plus 16 hex digits of the identity's sha256.
    public var key: String {
        let text = fields.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        return method + "-" + String(SHA256.hex(of: Data(text.utf8)).prefix(16))
    }
}

/// One example's line.
public struct MaskRow: Equatable, Sendable {
    public var index: Int
    public var ids: [Int]
    public var scores: [Double]
    public var important: [Bool]

    public init(index: Int, ids: [Int], scores: [Double], important: [Bool]) {
        self.index = index
        self.ids = ids
        self.scores = scores
        self.important = important
    }
}

public struct MaskSet: Equatable, Sendable {
    public var identity: MaskIdentity
    public var rows: [MaskRow]

    public init(identity: MaskIdentity, rows: [MaskRow]) {
        self.identity = identity
        self.rows = rows
    }

    public static let manifestName = "manifest.json"
    public static let masksName = "masks.jsonl"

    /// The JSONL text (CONTRACT.md's format).
    public func jsonl() throws -> String {
        var out = ""
        for r in rows {
            guard r.ids.count == r.scores.count, r.ids.count == r.important.count else {
                throw GroupingError.scoreCountMismatch(example: r.index, scores: r.scores.count, lossTokens: r.ids.count)
            }
            if let k = r.scores.firstIndex(where: { !$0.isFinite }) {
                throw GroupingError.invalidExample(example: r.index, reason: "score of loss token \(k) is \(r.scores[k]), not a JSON number")
            }
            out += "{\"index\": \(r.index), \"ids\": [" + r.ids.map(String.init).joined(separator: ", ")
            out += "], \"scores\": [" + r.scores.map { "\($0)" }.joined(separator: ", ")
            out += "], \"important\": [" + r.important.map { $0 ? "1" : "0" }.joined(separator: ", ") + "]}\n"
        }
        return out
    }

    /// Writes masks.jsonl and manifest.json (with the masks file's sha256) into `directory`.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let body = Data(try jsonl().utf8)
        try body.write(to: directory.appendingPathComponent(MaskSet.masksName), options: .atomic)
        var manifest: [String: Any] = ["format": "sftgo-masks/1", "examples": rows.count,
                                       "loss_tokens": rows.reduce(0) { $0 + $1.ids.count },
                                       "masks_sha256": SHA256.hex(of: body),
                                       "settings": identity.settings]
        for (k, v) in identity.fields where k != "settings" { manifest[k] = v }
        manifest["eta"] = identity.eta
        manifest["batch_size"] = identity.batchSize
        let m = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try m.write(to: directory.appendingPathComponent(MaskSet.manifestName), options: .atomic)
    }

    /// Reads a mask folder, checking the masks file against the manifest's sha256 and, when given,
    /// the manifest against the identity this run expects.
    public static func read(from directory: URL, expecting expected: MaskIdentity? = nil) throws -> MaskSet {
        let mURL = directory.appendingPathComponent(manifestName), jURL = directory.appendingPathComponent(masksName)
        guard let mData = try? Data(contentsOf: mURL),
              let m = try? JSONSerialization.jsonObject(with: mData) as? [String: Any] else {
            throw GroupingError.badCache(path: mURL.path, line: 0, reason: "missing or not a JSON object")
        }
        func str(_ k: String) throws -> String {
            guard let v = m[k] as? String else { throw GroupingError.badCache(path: mURL.path, line: 0, reason: "field \(k) missing") }
            return v
        }
        guard let eta = m["eta"] as? Double, let batch = m["batch_size"] as? Int,
              let settings = m["settings"] as? [String: String],
              let scope = SelectionScope(rawValue: try str("scope")) else {
            throw GroupingError.badCache(path: mURL.path, line: 0, reason: "eta, batch_size, settings or scope missing or malformed")
        }
        let identity = MaskIdentity(dataSHA256: try str("data_sha256"), tokenizer: try str("tokenizer"),
                                    method: try str("method"), settings: settings, eta: eta, scope: scope,
                                    batchSize: batch, modelHash: try str("model"))
        if let e = expected {
            for ((field, have), (_, want)) in zip(identity.fields, e.fields) where have != want {
                throw GroupingError.cacheMismatch(path: mURL.path, field: field, cached: have, expected: want)
            }
        }
        guard let body = try? Data(contentsOf: jURL) else {
            throw GroupingError.badCache(path: jURL.path, line: 0, reason: "missing")
        }
        let sha = SHA256.hex(of: body)
        guard sha == (try str("masks_sha256")) else {
            throw GroupingError.cacheMismatch(path: jURL.path, field: "masks_sha256", cached: try str("masks_sha256"), expected: sha)
        }
        var rows: [MaskRow] = []
        for (n, line) in body.split(separator: UInt8(ascii: "\n")).enumerated() {
            rows.append(try parseRow(Data(line), path: jURL.path, line: n + 1))
        }
        return MaskSet(identity: identity, rows: rows)
    }

    /// Parsed with Checkpoints' json.loads-compatible parser: scores read back bit-exact (Foundation's
    /// JSONSerialization on Linux rounds some doubles in the last digit).
    static func parseRow(_ line: Data, path: String, line n: Int) throws -> MaskRow {
        let bad = GroupingError.badCache(path: path, line: n, reason: "expected {\"index\", \"ids\", \"scores\", \"important\"}")
        guard let o = try? JSONValue.parse(data: line), let index = o["index"]?.intValue,
              let idv = o["ids"]?.arrayValue, let sv = o["scores"]?.arrayValue, let iv = o["important"]?.arrayValue else { throw bad }
        let ids = idv.compactMap { $0.intValue }, scores = sv.compactMap { $0.doubleValue }, imp = iv.compactMap { $0.intValue }
        guard ids.count == idv.count, scores.count == sv.count, imp.count == iv.count else { throw bad }
        guard scores.count == ids.count, imp.count == ids.count, imp.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw GroupingError.badCache(path: path, line: n, reason: "ids, scores and important (0/1) must have equal lengths")
        }
        return MaskRow(index: index, ids: ids, scores: scores, important: imp.map { $0 == 1 })
    }

    /// Refuses masks whose token ids are not exactly these examples' loss tokens (a different
    /// tokenizer, chat template or loss rule), naming the first example that differs.
    public func verify(against examples: [GroupingExample], path: String) throws {
        let byIndex = Dictionary(rows.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        for e in examples {
            guard let r = byIndex[e.index] else {
                throw GroupingError.badCache(path: path, line: 0, reason: "no mask for example \(e.index)")
            }
            let ids = e.lossIds
            guard r.ids == ids else {
                let k = (0..<min(r.ids.count, ids.count)).first { r.ids[$0] != ids[$0] } ?? min(r.ids.count, ids.count)
                func at(_ a: [Int]) -> String { k < a.count ? "id \(a[k]) of \(a.count) tokens" : "end after \(a.count) tokens" }
                throw GroupingError.cacheMismatch(path: path, field: "loss token \(k) of example \(e.index)",
                    cached: at(r.ids), expected: at(ids) + " (the tokenizer, chat template or loss mask differs)")
            }
        }
    }
}

/// The cache: one folder per identity under a root (by default `<data root>/.sftgo/masks`).
public struct MaskCache {
    public var root: URL
    public init(root: URL) { self.root = root }

    public func directory(for identity: MaskIdentity) -> URL { root.appendingPathComponent(identity.key, isDirectory: true) }

    /// The cached masks of `identity`, nil when none were built; throws when a cache exists but is
    /// stale or does not match.
    public func lookup(_ identity: MaskIdentity) throws -> MaskSet? {
        let dir = directory(for: identity)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(MaskSet.manifestName).path) else { return nil }
        return try MaskSet.read(from: dir, expecting: identity)
    }

    /// Returns the cached masks or builds, stores and returns them.
    public func masks(_ identity: MaskIdentity, build: () throws -> MaskSet) throws -> (MaskSet, cached: Bool) {
        if let m = try lookup(identity) { return (m, true) }
        let m = try build()
        try m.write(to: directory(for: identity))
        return (m, false)
    }
}
