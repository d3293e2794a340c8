import Foundation

// Scores → masks → a MaskSet, and the statistics `sftgo group` prints: important fraction over the
// loss tokens, loss-token counts, and the most frequent important and unimportant tokens.

public enum MaskBuilder {
    public static func build(_ g: GroupingFunction, examples: [GroupingExample], identity: MaskIdentity,
                             progress: GroupingProgress? = nil) throws -> MaskSet {
        let scores = try g.checkedScores(examples, progress: progress)
        let masks = try Selector.important(scores, eta: identity.eta, scope: identity.scope,
                                           batchSize: max(identity.batchSize, 1))
        let rows = (0..<examples.count).map {
            MaskRow(index: examples[$0].index, ids: examples[$0].lossIds, scores: scores[$0], important: masks[$0])
        }
        return MaskSet(identity: identity, rows: rows)
    }
}

public struct MaskStatistics: Equatable {
    public var examples: Int
    public var lossTokens: Int
    public var importantTokens: Int
    /// Smallest and largest loss-token count of one example.
    public var minLossTokens: Int
    public var maxLossTokens: Int
    /// (id, count) of the most frequent important / unimportant tokens, most frequent first
    /// (ties: lower id first).
    public var topImportant: [(id: Int, count: Int)]
    public var topUnimportant: [(id: Int, count: Int)]

    public var importantFraction: Double { lossTokens == 0 ? 0 : Double(importantTokens) / Double(lossTokens) }

    public init(_ set: MaskSet, top: Int = 20) {
        var imp: [Int: Int] = [:], unimp: [Int: Int] = [:]
        var n = 0, k = 0, lo = Int.max, hi = 0
        for r in set.rows {
            n += r.ids.count
            lo = min(lo, r.ids.count)
            hi = max(hi, r.ids.count)
            for (id, i) in zip(r.ids, r.important) {
                if i { imp[id, default: 0] += 1; k += 1 } else { unimp[id, default: 0] += 1 }
            }
        }
        func ranked(_ d: [Int: Int]) -> [(id: Int, count: Int)] {
            Array(d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map { ($0.key, $0.value) })
        }
        examples = set.rows.count
        lossTokens = n
        importantTokens = k
        minLossTokens = set.rows.isEmpty ? 0 : lo
        maxLossTokens = hi
        topImportant = ranked(imp)
        topUnimportant = ranked(unimp)
    }

    public static func == (a: MaskStatistics, b: MaskStatistics) -> Bool {
        a.examples == b.examples && a.lossTokens == b.lossTokens && a.importantTokens == b.importantTokens
            && a.topImportant.map { $0.id } == b.topImportant.map { $0.id }
            && a.topImportant.map { $0.count } == b.topImportant.map { $0.count }
    }
}

extension MaskBuilder {
    /// What a cached mask set is keyed by: data, tokenizer, method and its settings plus the data
    /// settings, η, scope (default: the function's), batch size (0 = the whole data set), model.
    public static func identity(_ g: GroupingFunction, method: String, examples: [GroupingExample], eta: Double,
                                scope: SelectionScope? = nil, batchSize: Int, dataSHA256: String, tokenizer: String,
                                dataSettings: [String: String], modelHash: String) -> MaskIdentity {
        var settings = g.settings.merging(dataSettings) { a, _ in a }
        settings["examples"] = String(examples.count)
        let bs = batchSize == 0 ? max(examples.count, 1) : batchSize
        return MaskIdentity(dataSHA256: dataSHA256, tokenizer: tokenizer, method: method, settings: settings,
                            eta: eta, scope: scope ?? g.defaultScope, batchSize: bs, modelHash: modelHash)
    }

    /// The masks of grouping `g` (named `method`) over `examples` from the cache under `root`, or
    /// built, stored and returned; `sftgo group` and the sweep's runner share the identity.
    public static func cached(_ g: GroupingFunction, method: String, examples: [GroupingExample], eta: Double,
                              scope: SelectionScope? = nil, batchSize: Int, dataSHA256: String, tokenizer: String,
                              dataSettings: [String: String], modelHash: String, root: URL,
                              progress: GroupingProgress? = nil) throws -> (MaskSet, cached: Bool) {
        let identity = identity(g, method: method, examples: examples, eta: eta, scope: scope, batchSize: batchSize,
                                dataSHA256: dataSHA256, tokenizer: tokenizer, dataSettings: dataSettings, modelHash: modelHash)
        let cache = MaskCache(root: root)
        let (set, hit) = try cache.masks(identity) { try build(g, examples: examples, identity: identity, progress: progress) }
        try set.verify(against: examples, path: cache.directory(for: identity).path)
        return (set, hit)
    }
}
