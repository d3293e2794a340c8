// lm-eval 0.4.8 `TemplateLM._encode_pair` and the HF backend's left truncation (eval-spec §1.2).

/// Python `str.isspace()` for one code point: Unicode White_Space plus the information
/// separators U+001C…U+001F, which Python also counts (bidi class B/S).
@inline(__always)
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
    (0x1C...0x1F).contains(s.value) || s.properties.isWhitespace
}

/// One request as token ids: `input` is what the model reads, and the continuation's
/// log-probabilities are read at the last `continuationCount` positions of `input`, predicting
/// `targets`.
public struct EncodedRequest: Hashable, Sendable {
    public var input: [Int]
    public var targets: [Int]
    public var truncatedTokens: Int
    public var continuationCount: Int { targets.count }
    /// Positions of `input` whose logits predict `targets` (in order).
    public var scoredPositions: Range<Int> { (input.count - targets.count)..<input.count }
}

public struct PairEncoder {
    public var addBOS: Bool
    public var contextWindow: Int
    public init(addBOS: Bool = false, contextWindow: Int) {
        self.addBOS = addBOS
        self.contextWindow = contextWindow
    }

    /// Whitespace at the end of the context moves to the front of the continuation.
    public static func moveTrailingWhitespace(context: String, continuation: String)
        -> (context: String, continuation: String) {
        let scalars = Array(context.unicodeScalars)
        var cut = scalars.count
        while cut > 0, isPythonSpace(scalars[cut - 1]) { cut -= 1 }
        if cut == scalars.count { return (context, continuation) }
        var ctx = String.UnicodeScalarView(); ctx.append(contentsOf: scalars[..<cut])
        var moved = String.UnicodeScalarView(); moved.append(contentsOf: scalars[cut...])
        return (String(ctx), String(moved) + continuation)
    }

    /// (context tokens, continuation tokens) exactly as lm-eval: whole = enc(ctx + cont),
    /// ctx = enc(ctx), cont = whole[len(ctx):]; an empty context starts from BOS (else EOS).
    public func encodePair(context: String, continuation: String,
                           tokenizer: ScoringTokenizer) throws -> (context: [Int], continuation: [Int]) {
        if context.isEmpty {
            guard let prefix = tokenizer.bosTokenId ?? tokenizer.eosTokenId else {
                throw ScoringError.noPrefixToken
            }
            return ([prefix], try tokenizer.encodePlain(continuation))
        }
        let (ctx, cont) = Self.moveTrailingWhitespace(context: context, continuation: continuation)
        var whole = try tokenizer.encodePlain(ctx + cont)
        var ctxTokens = try tokenizer.encodePlain(ctx)
        if addBOS, let bos = tokenizer.bosTokenId {
            // lm-eval >= 0.4.9.2 behaviour: the tokenizer's BOS, unless the text already has it.
            if whole.first != bos { whole.insert(bos, at: 0) }
            if ctxTokens.first != bos { ctxTokens.insert(bos, at: 0) }
        }
        let contTokens = ctxTokens.count <= whole.count ? Array(whole[ctxTokens.count...]) : []
        return (ctxTokens, contTokens)
    }

    /// The model input: the last `window + 1` tokens of ctx + cont, without the final token.
    public func truncate(context: [Int], continuation: [Int], requestIndex: Int) throws -> EncodedRequest {
        guard continuation.count <= contextWindow else {
            throw ScoringError.continuationTooLong(request: requestIndex, tokens: continuation.count,
                                                   window: contextWindow)
        }
        let all = context + continuation
        let dropped = max(0, all.count - (contextWindow + 1))
        let kept = all[dropped...]
        return EncodedRequest(input: Array(kept.dropLast()), targets: continuation,
                              truncatedTokens: dropped)
    }

    public func encode(_ request: LoglikelihoodRequest, index: Int,
                       tokenizer: ScoringTokenizer) throws -> EncodedRequest {
        let (ctx, cont) = try encodePair(context: request.context, continuation: request.continuation,
                                         tokenizer: tokenizer)
        return try truncate(context: ctx, continuation: cont, requestIndex: index)
    }
}
