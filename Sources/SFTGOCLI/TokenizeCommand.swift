import ArgumentParser
import Foundation
import Models
import Tokenizers

/// `sftgo tokenize --model DIR --text TEXT`: prints the token ids as a JSON array.
public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Print the token ids of a text as a JSON array.")

    @Option(help: "Model folder holding tokenizer.json (and tokenizer_config.json).")
    var model: String
    @Option(parsing: .unconditional, help: "Text to tokenise (taken as given, even when it starts with \"-\").")
    var text: String
    @Flag(help: "Apply the post-processor template (e.g. prepend BOS).")
    var addSpecialTokens = false

    public init() {}

    public func run() throws {
        let tok = try ModelFolder(directory: URL(fileURLWithPath: model)).tokenizer()
        let ids = tok.encode(text, addSpecialTokens: addSpecialTokens)
        print("[" + ids.map(String.init).joined(separator: ", ") + "]")
    }
}
