// Self-information grouping (the LLMLingua-1 idea, runnable without an external classifier): a loss
// token's score is −ln p(token | prefix) under a frozen model, e.g. the base model itself. Tokens the
// model finds surprising are important.

import Models

public struct SelfInformation: GroupingFunction {
    public let model: Llama
    /// Identity of the model (ModelIdentity.hash), written into the manifest.
    public let modelHash: String

    public init(model: Llama, modelHash: String) {
        self.model = model
        self.modelHash = modelHash
    }

    public var name: String { "self-information" }
    public var defaultScope: SelectionScope { .sequence }
    public var settings: [String: String] { ["model": modelHash] }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        try FrozenLosses.compute(model: model, examples: examples, progress: progress).map { $0.map(Double.init) }
    }
}
