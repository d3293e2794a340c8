// What the prefix scorer needs from a causal language model and its tokenizer. The Swift Llama
// implements these through small adapters (LlamaLanguageModel.swift); tests use fakes, so the
// scheduling logic is checked independently of the engine.

/// A causal LM holding one KV cache (the "prefix"). Logit rows are row-major `rows × vocab`.
public protocol PrefixScoringBackend: AnyObject {
    var vocabularySize: Int { get }
    /// lm-eval's `max_length`: the number of positions the model may attend over.
    var contextWindow: Int { get }
    /// Number of tokens currently in the cache.
    var prefixCount: Int { get }
    /// Drops cached positions `count...`.
    func truncatePrefix(to count: Int) throws
    /// Appends `tokens` to the cache; returns the logits of the given rows of `tokens`
    /// (0-based within `tokens`).
    func extendPrefix(_ tokens: [Int], logitsFor rows: [Int]) throws -> [Float]
    /// Scores continuations of the cached prefix in one batched computation; the cache is
    /// unchanged. Stem i continues the prefix; its branches continue the prefix + stem i's tokens.
    func scoreTree(_ stems: [TreeStem]) throws -> [TreeLogits]
    /// Greedy generation from `prompt` (a fresh sequence; the prefix cache may be reset).
    func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                  shouldStop: ([Int]) -> Bool) throws -> [Int]
}

/// A continuation of the cached prefix, with continuations of its own. Rows index into the
/// stem's or the branch's tokens (ascending); a stem may be empty when only branches are scored.
public struct TreeStem: Equatable {
    public var tokens: [Int]
    public var rows: [Int]
    public var branches: [[Int]]
    public var branchRows: [[Int]]
    public init(tokens: [Int], rows: [Int], branches: [[Int]] = [], branchRows: [[Int]] = []) {
        precondition(branches.count == branchRows.count, "one row list per branch")
        self.tokens = tokens
        self.rows = rows
        self.branches = branches
        self.branchRows = branchRows
    }
}

/// Logit rows (row-major rows × vocab) of a TreeStem and of each of its branches.
public struct TreeLogits {
    public var stem: [Float]
    public var branches: [[Float]]
    public init(stem: [Float], branches: [[Float]]) {
        self.stem = stem
        self.branches = branches
    }
}

/// Tokenizer calls with lm-eval's conventions: encode without special tokens, decode skipping them.
public protocol ScoringTokenizer: AnyObject {
    func encodePlain(_ text: String) throws -> [Int]
    func decodeSkippingSpecial(_ ids: [Int]) throws -> String
    var bosTokenId: Int? { get }
    var eosTokenId: Int? { get }
}

public enum ScoringError: Error, CustomStringConvertible, Equatable {
    case continuationTooLong(request: Int, tokens: Int, window: Int)
    case noPrefixToken
    case backendShape(String)
    case cacheFile(path: String, line: Int, reason: String)
    case model(String)

    public var description: String {
        switch self {
        case let .continuationTooLong(request, tokens, window):
            return "request \(request): continuation has \(tokens) tokens, more than the model's window of \(window)"
        case .noPrefixToken:
            return "empty context but the tokenizer has neither a BOS nor an EOS token to start from"
        case let .backendShape(s): return "backend returned an unexpected shape: \(s)"
        case let .cacheFile(path, line, reason): return "\(path):\(line): \(reason)"
        case let .model(s): return s
        }
    }
}
