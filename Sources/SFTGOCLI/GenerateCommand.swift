import ArgumentParser
import Checkpoints
import Foundation
import Models
import Tokenizers

/// `sftgo generate --model DIR (--prompt TEXT | --ids JSON) [--max-new-tokens N] [--chat]`:
/// greedy continuation on stdout (text, or ids as JSON for --ids), tokens/s on stderr.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Greedy continuation of a prompt.")
    @Option(help: "Hugging Face model folder.") var model: String
    // Text values are taken as given even when they start with "-" (a bullet list, "-5 plus 3").
    @Option(parsing: .unconditional, help: "Prompt text, continued exactly as given (special tokens in it are recognised).") var prompt: String?
    @Option(help: "Prompt token ids as a JSON array (no tokenizer needed).") var ids: String?
    @Option(parsing: .unconditional, help: "Maximum number of new tokens (capped at the room the model's context leaves).") var maxNewTokens = 128
    @Flag(help: "Wrap --prompt as one user message in the model's chat template first.") var chat = false
    public init() {}

    public func validate() throws {
        if (prompt == nil) == (ids == nil) { throw ValidationError("give exactly one of --prompt and --ids") }
        if chat && prompt == nil { throw ValidationError("--chat needs --prompt") }
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    public func run() throws {
        let folder = try ModelFolder(directory: URL(fileURLWithPath: model))
        let llama = try Llama(folder: folder)
        var stop = Set(llama.config.eosTokenIds)
        var tokenizer: Tokenizer?
        let input: [Int]
        if let ids {
            input = try parseIds(ids)
        } else {
            let tok = try folder.tokenizer()
            tokenizer = tok
            stop.formUnion(tok.generationEosTokenIds)
            if let e = tok.eosTokenId { stop.insert(e) }
            let text = chat ? try tok.applyChatTemplate([ChatMessage(role: "user", content: prompt!)], addGenerationPrompt: true)
                            : prompt!
            input = tok.encode(text, addSpecialTokens: false)
        }
        guard !input.isEmpty else { throw ValidationError("the prompt has no tokens") }
        try llama.validate(input)
        let budget = try ContextBudget.newTokens(prompt: input.count, requested: maxNewTokens,
                                                 context: llama.config.maxPositionEmbeddings)
        if let note = budget.note { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        let t0 = Date()
        let out = llama.generate(prompt: input, maxNewTokens: budget.count, stopTokenIds: stop)
        let seconds = Date().timeIntervalSince(t0)
        if let tokenizer {
            print(tokenizer.decode(out, skipSpecialTokens: true))
        } else {
            print("[" + out.map(String.init).joined(separator: ", ") + "]")
        }
        FileHandle.standardError.write(String(format: "%d prompt + %d new tokens in %.2f s: %.1f new tokens/s\n",
                                              input.count, out.count, seconds, Double(out.count) / seconds).data(using: .utf8)!)
    }
}

/// Parses a JSON array of token ids.
func parseIds(_ json: String) throws -> [Int] {
    guard let data = json.data(using: .utf8),
          let arr = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
        throw ValidationError("--ids must be a JSON array of integers, got \(json.prefix(40))")
    }
    return try arr.enumerated().map { i, v in
        guard let n = v as? NSNumber, let x = Int(exactly: n.doubleValue) else {
            throw ValidationError("--ids element \(i) is not an integer: \(v)")
        }
        return x
    }
}
