// Self-information grouping (the LLMLingua-1 idea, runnable without an external classifier): a loss
// token's score is −ln p(token | prefix) under a frozen model, e.g. the base model itself. Tokens the
// model finds surprising are important.

import Models

/// Where a frozen model's per-token losses come from: the model itself, or its cached losses.
public enum LossSource {
    case model(Llama, hash: String)
    case cached(ReferenceLosses)

    public var hash: String {
        switch self {
        case .model(_, let h): return h
        case .cached(let r): return r.modelHash
        }
    }

    public func losses(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Float]] {
        switch self {
        case .model(let m, _): return try FrozenLosses.compute(model: m, examples: examples, progress: progress)
        case .cached(let r):
            return try examples.map { e in try (0..<e.lossCount).map { try r.loss(example: e.index, token: $0) } }
        }
    }
}

public struct SelfInformation: GroupingFunction {
    public let source: LossSource

    public init(source: LossSource) { self.source = source }
    public init(model: Llama, modelHash: String) { self.init(source: .model(model, hash: modelHash)) }

    public var name: String { "self-information" }
    public var defaultScope: SelectionScope { .sequence }
    public var settings: [String: String] { ["model": source.hash] }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        try source.losses(examples, progress: progress).map { $0.map(Double.init) }
    }
}
