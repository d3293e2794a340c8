// What a grouping function sees of one training example: its full token sequence and which of
// those tokens carry loss (response tokens only: prompt and padding never count, §1.3.4 of
// methods-and-users.md). Optionally the text the tokens came from, with each loss token's range of
// Unicode scalars, so word-level units (scikit-learn's analyser) can be mapped back onto tokens.

/// One training example as the grouping functions need it.
public struct GroupingExample: Sendable, Equatable {
    /// Dataset index of the example (the `index` of its mask line).
    public var index: Int
    /// Input ids of the whole example (prompt and response), as the model reads it.
    public var tokens: [Int]
    /// Positions in `tokens` of the loss tokens, ascending; each is predicted from the tokens before it.
    public var lossPositions: [Int]
    /// The text `tokens` encode, when known.
    public var text: String?
    /// For each loss token, its range of Unicode scalars in `text` (empty for special tokens).
    public var lossOffsets: [Range<Int>]?

    public init(index: Int, tokens: [Int], lossPositions: [Int], text: String? = nil,
                lossOffsets: [Range<Int>]? = nil) {
        self.index = index
        self.tokens = tokens
        self.lossPositions = lossPositions
        self.text = text
        self.lossOffsets = lossOffsets
    }

    /// The loss-token ids in order (the `ids` of a mask line).
    public var lossIds: [Int] { lossPositions.map { tokens[$0] } }
    public var lossCount: Int { lossPositions.count }
}

/// Bad input to a grouping function or the selector: named, never silently substituted.
public enum GroupingError: Error, CustomStringConvertible, Equatable {
    case invalidEta(Double)
    case scoreCountMismatch(example: Int, scores: Int, lossTokens: Int)
    case missingText(example: Int, method: String)
    case invalidExample(example: Int, reason: String)
    case badData(path: String, reason: String)
    case badReference(path: String, reason: String)
    case cacheMismatch(path: String, field: String, cached: String, expected: String)
    case badCache(path: String, line: Int, reason: String)
    case unknownMethod(String)

    public var description: String {
        switch self {
        case .invalidEta(let e): return "η must be in [0, 1], got \(e)"
        case let .scoreCountMismatch(e, s, n): return "example \(e): \(s) scores for \(n) loss tokens"
        case let .missingText(e, m): return "example \(e): method \(m) needs the example text and token offsets"
        case let .invalidExample(e, r): return "example \(e): \(r)"
        case let .badData(p, r): return "\(p): \(r)"
        case let .badReference(p, r): return "reference model \(p): \(r)"
        case let .cacheMismatch(p, f, c, e):
            return "\(p): cached masks were built for \(f) = \(c), this run has \(e); rebuild them (sftgo group) or point elsewhere"
        case let .badCache(p, l, r): return "\(p):\(l): \(r)"
        case .unknownMethod(let m): return "unknown grouping method \(m.debugDescription)"
        }
    }
}
