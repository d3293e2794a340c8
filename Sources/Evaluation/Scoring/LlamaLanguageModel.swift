// The Swift Llama as lm-eval's LanguageModel: weights + Hugging Face tokenizer behind the
// prefix-reuse scorer (PrefixScorer). Backend: InterimLlamaBackend until the engine's Llama
// (module Models) is on main.
import Foundation
import Tokenizers

public final class LlamaLanguageModel: LanguageModel, ScoringStatsReporting {
    public let scorer: PrefixScorer
    public var identity: String { scorer.identity }
    /// Work counters (tokens computed vs. without reuse, logit rows, time) since load or reset.
    public var stats: ScoringStats { scorer.stats }
    public func resetStats() { scorer.resetStats() }

    public init(directory: URL, options: ScoringOptions = ScoringOptions()) throws {
        let tokenizer = try Tokenizer(directory: directory)
        let window = try options.maxLength ?? ModelWindow.lmEvalMaxLength(directory: directory)
        let backend = try InterimLlamaBackend(directory: directory, contextWindow: window)
        scorer = try PrefixScorer(backend: backend, tokenizer: HFTokenizerAdapter(tokenizer),
                                  identity: try ModelIdentity.of(directory: directory), options: options)
    }

    public func loglikelihood(_ requests: [LoglikelihoodRequest],
                              progress: ((Int) -> Void)?) throws -> [LoglikelihoodResult] {
        try scorer.loglikelihood(requests, progress: progress)
    }

    public func generateUntil(_ requests: [GenerationRequest],
                              progress: ((Int) -> Void)?) throws -> [String] {
        try scorer.generateUntil(requests, progress: progress)
    }
}
