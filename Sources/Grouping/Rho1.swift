// Rho-1's loss-based grouping (§3.3, Eq. 9): excess loss E = CE(w; θ) − CE(w; φ), φ a frozen
// reference model whose per-token losses are computed once (and cached, MaskCache.swift), θ the model
// being trained, whose per-token losses come from the training step's own forward — so E is a
// function of the step's losses plus a lookup by (example index, token index). Rho-1 ranks tokens per
// batch (its paper: "ranking the tokens in a batch"), so the default scope is the batch.

import Foundation
import Models

/// CE(φ) of every loss token of a data set under the reference model, by example index.
public struct ReferenceLosses: Sendable {
    public var modelHash: String
    public private(set) var byExample: [Int: [Float]]
    public private(set) var idsByExample: [Int: [Int]]

    public init(modelHash: String, examples: [GroupingExample], losses: [[Float]]) {
        precondition(examples.count == losses.count, "one loss row per example")
        self.modelHash = modelHash
        var b: [Int: [Float]] = [:], ids: [Int: [Int]] = [:]
        for (e, l) in zip(examples, losses) { b[e.index] = l; ids[e.index] = e.lossIds }
        byExample = b
        idsByExample = ids
    }

    /// Runs φ over the examples (the one forward pass φ ever gets).
    public static func compute(reference: Llama, modelHash: String, examples: [GroupingExample],
                               progress: GroupingProgress? = nil) throws -> ReferenceLosses {
        let l = try FrozenLosses.compute(model: reference, examples: examples, progress: progress)
        return ReferenceLosses(modelHash: modelHash, examples: examples, losses: l)
    }

    /// Loads the reference model, turning its failures into a `badReference` error naming the folder
    /// and checking that it reads the same vocabulary as the data's tokenizer.
    public static func loadModel(_ directory: URL, vocabularySize: Int?) throws -> Llama {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw GroupingError.badReference(path: directory.path, reason: "no such folder")
        }
        let model: Llama
        do { model = try Llama(directory: directory) } catch {
            throw GroupingError.badReference(path: directory.path, reason: "\(error)")
        }
        if let v = vocabularySize, model.config.vocabSize < v {
            throw GroupingError.badReference(path: directory.path,
                reason: "vocabulary of \(model.config.vocabSize) ids cannot score a tokenizer of \(v) ids")
        }
        return model
    }

    /// CE(φ) of one loss token.
    public func loss(example: Int, token: Int) throws -> Float {
        guard let row = byExample[example] else {
            throw GroupingError.invalidExample(example: example, reason: "no reference losses for this example (rebuild the reference cache)")
        }
        guard token >= 0, token < row.count else {
            throw GroupingError.invalidExample(example: example, reason: "loss token \(token) beyond the \(row.count) cached reference losses")
        }
        return row[token]
    }
}

public enum Rho1 {
    /// E = CE(θ) − CE(φ) for a batch's loss tokens, given θ's losses from the training forward and
    /// each token's (example index, loss-token index).
    public static func excessLoss(losses: [Float], exampleIndex: [Int], tokenIndex: [Int],
                                  reference: ReferenceLosses) throws -> [Float] {
        precondition(losses.count == exampleIndex.count && losses.count == tokenIndex.count, "ragged batch view")
        return try losses.indices.map { i in
            losses[i] - (try reference.loss(example: exampleIndex[i], token: tokenIndex[i]))
        }
    }
}

/// Rho-1 as a static grouping function: θ is a fixed model given here (e.g. the base model before
/// training), so `sftgo group --method rho1` can show and cache the masks the first step would use.
public struct Rho1Grouping: GroupingFunction {
    public let current: LossSource
    public let reference: ReferenceLosses

    public init(current: LossSource, reference: ReferenceLosses) {
        self.current = current
        self.reference = reference
    }

    public init(current: Llama, currentHash: String, reference: ReferenceLosses) {
        self.init(current: .model(current, hash: currentHash), reference: reference)
    }

    public var name: String { "rho1" }
    public var defaultScope: SelectionScope { .batch }
    public var settings: [String: String] { ["model": current.hash, "reference": reference.modelHash] }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        let theta = try current.losses(examples, progress: progress)
        return try zip(examples, theta).map { e, l in
            try l.indices.map { Double(l[$0]) - Double(try reference.loss(example: e.index, token: $0)) }
        }
    }
}
