import Foundation
import Tokenizers

/// A conversation rendered to text, with the spans (in Unicode scalars of `text`, the unit of the
/// tokenizer's offsets) whose tokens carry loss: each assistant response and its end-of-turn marker.
public struct RenderedConversation: Equatable {
    public var text: String
    public var targets: [Range<Int>]
}

/// How a conversation becomes text: the model's own chat template (tokenizer_config.json; ChatML for
/// SmolLM2, Llama-3 headers) or the plain Stanford Alpaca prompt.
public enum ChatFormat {
    /// `endOfTurn` is the text that closes an assistant turn (`<|im_end|>`, `<|eot_id|>`, EOS) and is a target.
    case template(ChatTemplate, endOfTurn: String)
    /// Alpaca's prompt; `eos` is appended to each response and is a target.
    case alpaca(eos: String)

    /// `model` (or `chat-template`): the tokenizer's template; `alpaca`: the plain Alpaca prompt.
    public static func named(_ name: String, tokenizer: Tokenizer) throws -> ChatFormat {
        switch name {
        case "model", "chat-template", "template":
            guard let src = tokenizer.chatTemplate else {
                throw TrainingError.chatFormat("the tokenizer has no chat_template; use --template alpaca")
            }
            let t: ChatTemplate
            do { t = try ChatTemplate(source: src, bos: tokenizer.bosToken, eos: tokenizer.eosToken) } catch {
                throw TrainingError.chatFormat("\(error)")
            }
            switch t {
            case .chatML: return .template(t, endOfTurn: "<|im_end|>")
            case .llama3: return .template(t, endOfTurn: "<|eot_id|>")
            case .llama2(_, let eos): return .template(t, endOfTurn: eos)
            }
        case "alpaca":
            guard let eos = tokenizer.eosToken else { throw TrainingError.chatFormat("the Alpaca prompt needs an eos_token") }
            return .alpaca(eos: eos)
        default:
            throw TrainingError.chatFormat("unknown template \(name.debugDescription) (known: model, alpaca)")
        }
    }

    public func render(_ c: SFTConversation) throws -> RenderedConversation {
        switch self {
        case .template(let t, let eot): return try ChatFormat.renderTemplate(c, t, eot)
        case .alpaca(let eos): return try ChatFormat.renderAlpaca(c, eos)
        }
    }

    /// The template itself stays the one source of the text: the response of assistant turn i is
    /// what `render(messages[...i])` adds after `render(messages[..<i], addGenerationPrompt: true)`,
    /// up to and including the last end-of-turn marker (a trailing newline after it is not a target).
    static func renderTemplate(_ c: SFTConversation, _ t: ChatTemplate, _ eot: String) throws -> RenderedConversation {
        let full: String
        do { full = try t.render(c.messages, addGenerationPrompt: false) } catch {
            throw TrainingError.badRow(c.location, reason: "chat template: \(error)")
        }
        let fullScalars = Array(full.unicodeScalars)
        let eotScalars = Array(eot.unicodeScalars)
        var targets: [Range<Int>] = []
        for (i, m) in c.messages.enumerated() where m.role == "assistant" {
            let prompt = try t.render(Array(c.messages[..<i]), addGenerationPrompt: true)
            let through = try t.render(Array(c.messages[...i]), addGenerationPrompt: false)
            guard through.hasPrefix(prompt), full.hasPrefix(through) else {
                throw TrainingError.chatFormat("\(c.location): the template does not render turn \(i) as a prefix extension")
            }
            let lo = prompt.unicodeScalars.count
            let hi = through.unicodeScalars.count
            var end = hi
            // Last end-of-turn marker inside the turn's text: the response ends after it.
            var j = hi - eotScalars.count
            while j >= lo {
                if Array(fullScalars[j..<(j + eotScalars.count)]) == eotScalars { end = j + eotScalars.count; break }
                j -= 1
            }
            if end > lo { targets.append(lo..<end) }
        }
        return RenderedConversation(text: full, targets: targets)
    }

    static let alpacaWithInput = "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n"
    static let alpacaNoInput = "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n"

    /// Stanford Alpaca's prompt per user turn, the response plus EOS as the target. Earlier turns of
    /// a multi-turn example follow one another in the same layout.
    static func renderAlpaca(_ c: SFTConversation, _ eos: String) throws -> RenderedConversation {
        var text = ""
        var count = 0
        var targets: [Range<Int>] = []
        func add(_ s: String) { text += s; count += s.unicodeScalars.count }
        let lastUser = c.messages.lastIndex(where: { $0.role == "user" })
        for (i, m) in c.messages.enumerated() {
            switch m.role {
            case "system":
                add(m.content + "\n\n")
            case "user":
                var instruction = m.content
                var input: String? = nil
                if i == lastUser, let inp = c.input, instruction.hasSuffix("\n" + inp) {
                    instruction = String(instruction.dropLast(inp.count + 1)); input = inp
                }
                if let inp = input {
                    add(alpacaWithInput + instruction + "\n\n### Input:\n" + inp + "\n\n### Response:\n")
                } else {
                    add(alpacaNoInput + instruction + "\n\n### Response:\n")
                }
            case "assistant":
                let lo = count
                add(m.content + eos)
                targets.append(lo..<count)
                add("\n\n")
            default:
                throw TrainingError.badRow(c.location, reason: "unknown role \(m.role.debugDescription)")
            }
        }
        return RenderedConversation(text: text, targets: targets)
    }
}
