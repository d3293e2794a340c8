// GroupingExamples from the trainer's tokenised data (Training's SFTData → ChatFormat → SFTDataset),
// so masks are built over exactly the loss tokens the trainer trains on. For word units each loss
// token also needs its text: the conversation is rendered and tokenised once more with offsets, and
// the ids are checked to be the dataset's own.

import Foundation
import Tokenizers
import Training

extension GroupingExample {
    /// The trainer's example; `text` and `offsets` (every token's scalar range in `text`) when known.
    public init(_ e: TokenizedExample, text: String? = nil, offsets: [Range<Int>]? = nil, tokenizer: Tokenizer? = nil) {
        let positions = e.lossMask.indices.filter { e.lossMask[$0] }
        var lossOffsets: [Range<Int>]? = nil
        if let o = offsets {
            // Special tokens (end-of-turn markers) spell no words.
            lossOffsets = positions.map { p in
                tokenizer?.isSpecial(e.ids[p]) == true ? o[p].lowerBound..<o[p].lowerBound : o[p]
            }
        }
        self.init(index: e.index, tokens: e.ids, lossPositions: positions, text: text, lossOffsets: lossOffsets)
    }
}

public enum GroupingData {
    /// Reads `url` (Alpaca or LIMA format), renders it with `template` (`model` or `alpaca`) and
    /// tokenises it exactly as `sftgo train` does, keeping text offsets when `withText`.
    public static func load(_ url: URL, tokenizer: Tokenizer, template: String = "model", maxLength: Int = 4096,
                            skipInvalid: Bool = true, withText: Bool = true) throws -> (dataset: SFTDataset, examples: [GroupingExample]) {
        let conversations = try SFTData.read(url)
        let format = try ChatFormat.named(template, tokenizer: tokenizer)
        let dataset = try SFTDataset(conversations, format: format, tokenizer: tokenizer, maxLength: maxLength,
                                     skipInvalid: skipInvalid)
        guard withText else { return (dataset, dataset.examples.map { GroupingExample($0) }) }
        return (dataset, try examples(dataset, conversations: conversations, format: format, tokenizer: tokenizer))
    }

    /// The examples of `dataset` (built from `conversations` with `format`) with their text and
    /// every loss token's offsets, for groupings that read words (TF-IDF words, LLMLingua-2).
    public static func examples(_ dataset: SFTDataset, conversations: [SFTConversation], format: ChatFormat,
                                tokenizer: Tokenizer) throws -> [GroupingExample] {
        var addSpecial = false
        if case .alpaca = format { addSpecial = true }
        return try dataset.examples.map { e -> GroupingExample in
            let r = try format.render(conversations[e.index])
            let toks = tokenizer.encodeWithOffsets(r.text, addSpecialTokens: addSpecial)
            guard toks.count >= e.ids.count, zip(toks, e.ids).allSatisfy({ $0.id == $1 }) else {
                throw GroupingError.invalidExample(example: e.index, reason: "re-tokenising with offsets gave other ids than the dataset (\(e.location))")
            }
            return GroupingExample(e, text: r.text, offsets: toks.prefix(e.ids.count).map { $0.offsets }, tokenizer: tokenizer)
        }
    }
}
