import Foundation

/// One chat turn.
public struct ChatMessage: Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat template from tokenizer_config.json, recognised by its Jinja text and rendered by hand,
/// byte-exact with transformers' `apply_chat_template` for the known families:
/// ChatML (with or without a default system prompt, as SmolLM2), Llama-3 headers, Llama-2 `[INST]`.
/// Anything else is an `unsupportedChatTemplate` error rather than a guess.
public enum ChatTemplate: Equatable {
    case chatML(defaultSystem: String?)
    case llama3(bos: String)
    case llama2(bos: String, eos: String)

    // Jinja sources of the families, exactly as published (SmolLM2's with its system prompt cut out).
    static let chatMLSource = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    static let chatMLSystemPrefix = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    static let chatMLSystemSuffix = "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    static let llama3Source = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    static let llama2Source = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"

    /// Recognises `source`; `bos`/`eos` are the tokenizer_config.json token strings it may use.
    public init(source: String, bos: String?, eos: String?) throws {
        let s = source.trimmingCharacters(in: .whitespacesAndNewlines)
        if s == ChatTemplate.chatMLSource {
            self = .chatML(defaultSystem: nil)
        } else if s.hasPrefix(ChatTemplate.chatMLSystemPrefix), s.hasSuffix(ChatTemplate.chatMLSystemSuffix),
                  s.count >= ChatTemplate.chatMLSystemPrefix.count + ChatTemplate.chatMLSystemSuffix.count {
            let inner = s.dropFirst(ChatTemplate.chatMLSystemPrefix.count).dropLast(ChatTemplate.chatMLSystemSuffix.count)
            guard let system = ChatTemplate.plainJinjaLiteral(String(inner)) else {
                throw TokenizerError.unsupportedChatTemplate(reason: "ChatML default system prompt uses Jinja escapes or quotes")
            }
            self = .chatML(defaultSystem: system)
        } else if s == ChatTemplate.llama3Source {
            guard let bos = bos else { throw TokenizerError.unsupportedChatTemplate(reason: "Llama-3 template needs bos_token") }
            self = .llama3(bos: bos)
        } else if s == ChatTemplate.llama2Source {
            guard let bos = bos, let eos = eos else {
                throw TokenizerError.unsupportedChatTemplate(reason: "Llama-2 template needs bos_token and eos_token")
            }
            self = .llama2(bos: bos, eos: eos)
        } else {
            let head = String(s.prefix(80))
            throw TokenizerError.unsupportedChatTemplate(
                reason: "not one of ChatML, SmolLM2 ChatML, Llama-3 or Llama-2 (starts \(head.debugDescription))")
        }
    }

    /// Text of a single-quoted Jinja literal body with no escapes or quotes (else nil).
    static func plainJinjaLiteral(_ s: String) -> String? {
        if s.contains("\\") || s.contains("'") { return nil }
        return s
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        var out = ""
        switch self {
        case .chatML(let system):
            for (i, m) in messages.enumerated() {
                if i == 0, let sys = system, messages[0].role != "system" {
                    out += "<|im_start|>system\n" + sys + "<|im_end|>\n"
                }
                out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>" + "\n"
            }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3(let bos):
            for (i, m) in messages.enumerated() {
                // Jinja precedence: `|` binds tighter than `+`, so only the content is trimmed.
                if i == 0 { out += bos }
                out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + ChatTemplate.pyStrip(m.content) + "<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .llama2(let bos, let eos):
            guard let first = messages.first else {
                throw TokenizerError.chatTemplateInput(reason: "the Llama-2 template needs at least one message")
            }
            var loop = messages[...]
            var system: String? = nil
            if first.role == "system" { system = first.content; loop = messages.dropFirst() }
            for (i, m) in loop.enumerated() {
                if (m.role == "user") != (i % 2 == 0) {
                    throw TokenizerError.chatTemplateInput(reason: "Conversation roles must alternate user/assistant/user/assistant/...")
                }
                var content = m.content
                if i == 0, let sys = system { content = "<<SYS>>\n" + sys + "\n<</SYS>>\n\n" + m.content }
                if m.role == "user" {
                    out += bos + "[INST] " + ChatTemplate.pyStrip(content) + " [/INST]"
                } else if m.role == "assistant" {
                    out += " " + ChatTemplate.pyStrip(content) + " " + eos
                }
            }
            // This template has no generation prompt: `add_generation_prompt` changes nothing.
        }
        return out
    }

    /// Python `str.strip()`: Unicode White_Space plus the separators U+001C–U+001F.
    static func pyStrip(_ s: String) -> String {
        let u = Array(s.unicodeScalars)
        func sp(_ c: Unicode.Scalar) -> Bool { CharClass.isSpace(c.value) || (0x1C...0x1F).contains(c.value) }
        var lo = 0, hi = u.count
        while lo < hi && sp(u[lo]) { lo += 1 }
        while hi > lo && sp(u[hi - 1]) { hi -= 1 }
        var v = String.UnicodeScalarView()
        v.append(contentsOf: u[lo..<hi])
        return String(v)
    }
}

extension Tokenizer {
    /// The prompt text of `messages` in this model's chat format (tokenizer_config.json
    /// `chat_template`), as transformers' `apply_chat_template(..., tokenize=False)`.
    public func applyChatTemplate(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        guard let src = chatTemplate else {
            throw TokenizerError.unsupportedChatTemplate(reason: "tokenizer_config.json has no chat_template")
        }
        let t = try ChatTemplate(source: src, bos: bosToken, eos: eosToken)
        return try t.render(messages, addGenerationPrompt: addGenerationPrompt)
    }
}
