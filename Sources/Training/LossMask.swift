import Foundation
import Tokenizers

/// One tokenised training example: the ids of the rendered conversation and which of them carry
/// loss. `lossMask[j]` says token j is a target (predicted from position j−1); token 0 never is.
/// This is the dataset type Grouping scores and the trainer trains on.
public struct TokenizedExample: Equatable, Sendable {
    public var index: Int               // dataset index (stable across shuffles; keys masks and logs)
    public var location: DataLocation
    public var ids: [Int]
    public var lossMask: [Bool]

    public init(index: Int, location: DataLocation, ids: [Int], lossMask: [Bool]) {
        self.index = index; self.location = location; self.ids = ids; self.lossMask = lossMask
    }

    /// The loss tokens' ids in order: what a mask file's `ids` must equal.
    public var lossTokenIds: [Int] { zip(ids, lossMask).compactMap { $1 ? $0 : nil } }
    public var lossTokenCount: Int { lossMask.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Model inputs and per-position targets: targets[t] = ids[t+1] if that token is a target, else −1.
    public var inputs: [Int] { Array(ids.dropLast()) }
    public var targets: [Int] { (1..<max(ids.count, 1)).map { lossMask[$0] ? ids[$0] : -1 } }
    /// Positions the model runs over (one fewer than the ids: the last id is only predicted).
    public var positions: Int { max(ids.count - 1, 0) }
}

/// Loss masks from character offsets: a token is a target iff its first scalar lies inside a target
/// span of the rendered text. Never from the pad id or from searching ids.
public enum LossMask {
    public static func mask(offsets: [Range<Int>], targets: [Range<Int>]) -> [Bool] {
        offsets.map { r in !r.isEmpty && targets.contains { $0.contains(r.lowerBound) } }
    }
}

/// A tokenised SFT dataset and the rows it skipped.
public struct SFTDataset {
    public var examples: [TokenizedExample]
    public var skipped: [(location: DataLocation, reason: String)]
    public var maxLength: Int

    /// Renders, tokenises and masks every conversation. `maxLength` caps the ids per example
    /// (LLaMA-Factory's `cutoff_len`); trailing non-target tokens may be cut, target tokens never:
    /// an example that would lose one, or has none, is an error unless `skipInvalid` (then counted).
    public init(_ conversations: [SFTConversation], format: ChatFormat, tokenizer: Tokenizer,
                maxLength: Int, skipInvalid: Bool) throws {
        guard maxLength >= 2 else { throw TrainingError.config("cutoff length must be at least 2") }
        self.maxLength = maxLength
        examples = []
        skipped = []
        // Chat templates carry their own special tokens (transformers tokenises their output with
        // add_special_tokens=False); the plain Alpaca prompt gets the tokenizer's BOS if it adds one.
        var addSpecial = false
        if case .alpaca = format { addSpecial = true }
        for (i, c) in conversations.enumerated() {
            let r = try format.render(c)
            let toks = tokenizer.encodeWithOffsets(r.text, addSpecialTokens: addSpecial)
            var ids = toks.map { $0.id }
            var mask = LossMask.mask(offsets: toks.map { $0.offsets }, targets: r.targets)
            if !mask.isEmpty { mask[0] = false }
            let total = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
            var problem: TrainingError? = nil
            if total == 0 {
                problem = .noLossTokens(c.location)
            } else if ids.count > maxLength {
                let kept = mask[..<maxLength].reduce(0) { $0 + ($1 ? 1 : 0) }
                if kept < total { problem = .lossTokensCut(c.location, lossTokens: total, kept: kept, maxLength: maxLength) }
                ids = Array(ids[..<maxLength]); mask = Array(mask[..<maxLength])
            }
            if let p = problem {
                if skipInvalid { skipped.append((c.location, p.condition)); continue }
                throw p
            }
            examples.append(TokenizedExample(index: i, location: c.location, ids: ids, lossMask: mask))
        }
    }

    public init(examples: [TokenizedExample], maxLength: Int) {
        self.examples = examples; self.skipped = []; self.maxLength = maxLength
    }

    public var lossTokenCount: Int { examples.reduce(0) { $0 + $1.lossTokenCount } }
}
