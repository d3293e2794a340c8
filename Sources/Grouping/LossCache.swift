// Cached per-token losses of a frozen model (Rho-1's reference φ, Token Cleaning's base and
// reference, self-information): computed once per (data, tokenizer, data settings, model) and stored
// in the mask format (scores = losses, masks all 0) beside a manifest. Reuses the mask cache's
// identity: method "losses", η 0, sequence scope, the model's hash.

import Checkpoints
import Foundation
import Store

public enum LossCache {
    public static func identity(dataSHA256: String, tokenizer: String, dataSettings: [String: String], modelHash: String) -> MaskIdentity {
        MaskIdentity(dataSHA256: dataSHA256, tokenizer: tokenizer, method: "losses", settings: dataSettings,
                     eta: 0, scope: .sequence, batchSize: 0, modelHash: modelHash)
    }

    /// Cached losses of `identity` for `examples`, or computes (with `compute`) and stores them.
    public static func losses(root: URL, identity: MaskIdentity, examples: [GroupingExample],
                              compute: () throws -> [[Float]]) throws -> (ReferenceLosses, cached: Bool) {
        let dir = root.appendingPathComponent(identity.key, isDirectory: true)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(MaskSet.manifestName).path) {
            // Stored as a MaskSet whose scores are the losses (masks all 0): one reader, one checker.
            let set = try MaskSet.read(from: dir, expecting: identity)
            try set.verify(against: examples, path: dir.path)
            let byIndex = Dictionary(set.rows.map { ($0.index, $0.scores.map { Float($0) }) }, uniquingKeysWith: { a, _ in a })
            return (ReferenceLosses(modelHash: identity.modelHash, examples: examples, losses: examples.map { byIndex[$0.index]! }), true)
        }
        let l = try compute()
        let rows = zip(examples, l).map { e, l in
            MaskRow(index: e.index, ids: e.lossIds, scores: l.map(Double.init), important: l.map { _ in false })
        }
        try MaskSet(identity: identity, rows: rows).write(to: dir)
        return (ReferenceLosses(modelHash: identity.modelHash, examples: examples, losses: l), false)
    }
}

extension LossCache {
    /// The frozen per-token losses of the model in `modelDir` over `examples`, from the cache under
    /// `root` or computed (and cached) once: Rho-1's φ, Token Cleaning's base and reference,
    /// self-information's θ₀. `sftgo train --objective rho1` and the sweep's runner share this.
    public static func frozenLosses(modelDir: URL, vocabularySize: Int, examples: [GroupingExample], root: URL,
                                    dataSHA256: String, tokenizer: String, dataSettings: [String: String],
                                    progress: GroupingProgress? = nil) throws -> (ReferenceLosses, cached: Bool) {
        let id = identity(dataSHA256: dataSHA256, tokenizer: tokenizer, dataSettings: dataSettings,
                          modelHash: try Identity.model(modelDir))
        return try losses(root: root, identity: id, examples: examples) {
            let m = try ReferenceLosses.loadModel(modelDir, vocabularySize: vocabularySize)
            return try FrozenLosses.compute(model: m, examples: examples, progress: progress)
        }
    }
}
