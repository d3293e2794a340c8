import Foundation

/// Everything that can go wrong while loading a tokenizer or applying a chat template.
/// Each case names the file, field or type at fault so a user can act on it.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case invalidJSON(path: String, reason: String)
    case missingField(file: String, field: String)
    case invalidField(file: String, field: String, reason: String)
    case unsupportedType(component: String, type: String)
    case unsupportedRegex(component: String, pattern: String)
    case unsupportedChatTemplate(reason: String)
    case chatTemplateInput(reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "cannot read \(path): \(reason)"
        case let .invalidJSON(path, reason): return "\(path) is not valid JSON: \(reason)"
        case let .missingField(file, field): return "\(file): missing field '\(field)'"
        case let .invalidField(file, field, reason): return "\(file): field '\(field)' \(reason)"
        case let .unsupportedType(component, type):
            return "unsupported \(component) type '\(type)' in tokenizer.json"
        case let .unsupportedRegex(component, pattern):
            return "unsupported \(component) regex \(pattern.debugDescription) in tokenizer.json "
                + "(only the GPT-2, Llama-3 and Qwen2 split patterns and literal strings are implemented)"
        case let .unsupportedChatTemplate(reason): return "unsupported chat template: \(reason)"
        case let .chatTemplateInput(reason): return "chat template: \(reason)"
        }
    }
}
