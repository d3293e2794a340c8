// Interim builder of GroupingExamples from Alpaca-format data (LIMA as LLaMA-Factory converted it:
// instruction, input, output, history) with the model's chat template, until Training's SFT data
// type lands. LLaMA-Factory's rule: each turn's prompt and response are encoded separately and
// concatenated; the response part ("answer<|im_end|>\n" in ChatML) carries loss, for every turn
// (mask_history=false), so the encodings never straddle a prompt/response boundary.

import Foundation
import Tokenizers

public enum ChatExamples {
    /// One conversation: (user, assistant) turns.
    public struct Conversation: Equatable {
        public var turns: [(user: String, assistant: String)]
        public static func == (a: Conversation, b: Conversation) -> Bool {
            a.turns.count == b.turns.count && zip(a.turns, b.turns).allSatisfy { $0.user == $1.user && $0.assistant == $1.assistant }
        }
    }

    /// Reads an Alpaca-format JSON array (instruction, input, output, optional history pairs);
    /// instruction and input are joined by "\n" as LLaMA-Factory does.
    public static func readAlpaca(_ url: URL) throws -> [Conversation] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GroupingError.badData(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let rows = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw GroupingError.badData(path: url.path, reason: "not a JSON array of objects")
        }
        return try rows.enumerated().map { i, r in
            guard let instruction = r["instruction"] as? String, let output = r["output"] as? String else {
                throw GroupingError.badData(path: url.path, reason: "row \(i): needs string fields instruction and output")
            }
            var turns: [(user: String, assistant: String)] = []
            if let h = r["history"], !(h is NSNull) {
                guard let pairs = h as? [[String]], pairs.allSatisfy({ $0.count == 2 }) else {
                    throw GroupingError.badData(path: url.path, reason: "row \(i): history must be [[user, assistant], …]")
                }
                turns += pairs.map { ($0[0], $0[1]) }
            }
            let input = r["input"] as? String ?? ""
            turns.append((input.isEmpty ? instruction : instruction + "\n" + input, output))
            return Conversation(turns: turns)
        }
    }

    /// Tokens, loss positions, text and loss-token offsets of each conversation.
    public static func examples(_ conversations: [Conversation], tokenizer: Tokenizer) throws -> [GroupingExample] {
        try conversations.enumerated().map { i, c in try example(index: i, c, tokenizer: tokenizer) }
    }

    public static func example(index: Int, _ c: Conversation, tokenizer: Tokenizer) throws -> GroupingExample {
        var messages: [ChatMessage] = []
        var text = "", tokens: [Int] = [], loss: [Int] = [], offsets: [Range<Int>] = []
        var done = ""   // rendered text of the turns so far
        var scalars = 0 // Unicode scalars in `text`
        for (user, assistant) in c.turns {
            messages.append(ChatMessage(role: "user", content: user))
            let prompt = try tokenizer.applyChatTemplate(messages, addGenerationPrompt: true)
            messages.append(ChatMessage(role: "assistant", content: assistant))
            let full = try tokenizer.applyChatTemplate(messages, addGenerationPrompt: false)
            guard prompt.unicodeScalars.starts(with: done.unicodeScalars),
                  full.unicodeScalars.starts(with: prompt.unicodeScalars) else {
                throw GroupingError.invalidExample(example: index, reason: "chat template does not render turns as prefixes of each other")
            }
            // Sliced by Unicode scalars: offsets are scalar ranges, and a Character could straddle.
            let promptPart = String(prompt.unicodeScalars.dropFirst(done.unicodeScalars.count))
            let responsePart = String(full.unicodeScalars.dropFirst(prompt.unicodeScalars.count))
            tokens += tokenizer.encode(promptPart)
            text += promptPart
            scalars += promptPart.unicodeScalars.count
            let base = scalars
            for (id, r) in tokenizer.encodeWithOffsets(responsePart) {
                loss.append(tokens.count)
                tokens.append(id)
                offsets.append(tokenizer.isSpecial(id) ? base..<base : (base + r.lowerBound)..<(base + r.upperBound))
            }
            text += responsePart
            scalars += responsePart.unicodeScalars.count
            done = full
        }
        return GroupingExample(index: index, tokens: tokens, lossPositions: loss, text: text, lossOffsets: offsets)
    }
}
