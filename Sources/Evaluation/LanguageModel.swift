// The seam between the evaluator and whatever computes log-probabilities: the Swift Llama here,
// later a remote OpenAI-compatible server. Mirrors lm-eval's `LM` interface (loglikelihood,
// generate_until) so that tasks never know which backend scores them.

/// One multiple-choice scoring request: log P(continuation | context), as lm-eval's
/// `loglikelihood` request. Strings are exactly as the task renders them; the model encodes them
/// (lm-eval's `_encode_pair`: trailing context whitespace moved into the continuation).
public struct LoglikelihoodRequest: Hashable, Sendable {
    public var context: String
    public var continuation: String
    public init(context: String, continuation: String) {
        self.context = context
        self.continuation = continuation
    }
}

/// Sum of the continuation tokens' log-probabilities (float64 of the float32 sum) and whether
/// every continuation token was the argmax (ties to the lowest id).
public struct LoglikelihoodResult: Hashable, Sendable, Codable {
    public var logprob: Double
    public var isGreedy: Bool
    /// Context tokens dropped by left truncation to the model's window (0 when none).
    public var truncatedTokens: Int
    public init(logprob: Double, isGreedy: Bool, truncatedTokens: Int = 0) {
        self.logprob = logprob
        self.isGreedy = isGreedy
        self.truncatedTokens = truncatedTokens
    }
}

/// One greedy generation request, as lm-eval's `generate_until`.
public struct GenerationRequest: Hashable, Sendable {
    public var context: String
    /// Stop strings; the output is cut at the first occurrence of any of them.
    public var until: [String]
    public var maxGenTokens: Int
    public init(context: String, until: [String], maxGenTokens: Int = 256) {
        self.context = context
        self.until = until
        self.maxGenTokens = maxGenTokens
    }
}

public protocol LanguageModel: AnyObject {
    /// A stable identifier of the weights and tokenizer (used as the request-cache key).
    var identity: String { get }
    /// Scores every request; results are in request order and must not depend on how the
    /// requests are batched or ordered. `progress` is called with the number of requests done.
    func loglikelihood(_ requests: [LoglikelihoodRequest],
                       progress: ((Int) -> Void)?) throws -> [LoglikelihoodResult]
    /// Greedy continuations, in request order.
    func generateUntil(_ requests: [GenerationRequest],
                       progress: ((Int) -> Void)?) throws -> [String]
}
