// lm-eval 0.4.8's `fewshot_context` with `--system_instruction`, `--apply_chat_template` and
// `--fewshot_as_multiturn` (api/task.py, api/samplers.py get_chat_context): the system prompt is
// the instruction, then fewshot_delimiter and the description when both exist. Without a chat
// template it is simply prepended to the few-shot block and the question (no delimiter). With one,
// it is a system turn; the few-shot block and the question form one user turn (or alternating
// user/assistant turns per example, the question a last user turn), rendered with the model's
// template and the generation prompt appended.
import Foundation
import Tokenizers

/// Renders chat messages into the model's prompt text (transformers' `apply_chat_template`).
public protocol ChatTemplating: AnyObject {
    func applyChatTemplate(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String
}

extension Task {
    public func context(_ doc: JSONObject, numFewshot: Int, docID: Int?, chat: ChatOptions,
                        template: ChatTemplating?) throws -> String {
        if !chat.applyChatTemplate && chat.systemInstruction == nil {
            return try context(doc, numFewshot: numFewshot, docID: docID)
        }
        let description = try config.description.render(scope(doc))
        var system = ""
        if let s = chat.systemInstruction {
            system = description.isEmpty ? s : s + config.fewshotDelimiter + description
        } else {
            system = description
        }
        let examples = try fewshotExamples(doc, numFewshot: numFewshot, docID: docID)
        let question = try text(doc)
        guard chat.applyChatTemplate else {
            return system + (try fewshotBlock(examples)) + question
        }
        guard let template = template else {
            throw TaskError.badDocument(task: name, docID: docID ?? -1, message: "--apply_chat_template needs a model with a chat template")
        }
        var messages: [ChatMessage] = []
        if !system.isEmpty { messages.append(ChatMessage(role: "system", content: system)) }
        if !examples.isEmpty {
            if chat.fewshotAsMultiturn {
                for ex in examples {
                    messages.append(ChatMessage(role: "user", content: try text(ex)))
                    messages.append(ChatMessage(role: "assistant", content: try fewshotTargetText(ex)))
                }
            } else {
                messages.append(ChatMessage(role: "user", content: try fewshotBlock(examples)))
            }
        }
        // append_target_question: a new user turn, unless the last turn is the few-shot user turn.
        if !chat.fewshotAsMultiturn, let last = messages.last, last.role == "user" {
            messages[messages.count - 1].content += question
        } else {
            messages.append(ChatMessage(role: "user", content: question))
        }
        return try template.applyChatTemplate(messages, addGenerationPrompt: true)
    }
}
