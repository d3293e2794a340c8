import ArgumentParser
import Foundation
import Models
import Tensors
import Tokenizers

/// `sftgo logprobs --model DIR (--ids JSON | --text TEXT)`: JSON with the ids, each token's
/// log-probability given its prefix (null for the first token, which has none) and the perplexity
/// exp(−mean log-prob) over the scored tokens.
public struct LogprobsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "logprobs", abstract: "Per-token log-probabilities and perplexity of a sequence.")
    @Option(help: "Hugging Face model folder.") var model: String
    @Option(help: "Token ids as a JSON array.") var ids: String?
    @Option(parsing: .unconditional, help: "Text (encoded without added special tokens).") var text: String?
    public init() {}

    public func validate() throws {
        if (ids == nil) == (text == nil) { throw ValidationError("give exactly one of --ids and --text") }
    }

    public func run() throws {
        let folder = try ModelFolder(directory: URL(fileURLWithPath: model))
        let llama = try Llama(folder: folder)
        let input: [Int]
        if let ids { input = try parseIds(ids) } else {
            input = try folder.tokenizer().encode(text!, addSpecialTokens: false)
        }
        guard input.count >= 2 else { throw ValidationError("need at least two tokens to score (got \(input.count))") }
        try llama.validate(input)
        try ContextBudget.checkFits(input.count, context: llama.config.maxPositionEmbeddings)
        let logits = llama.forward(input, cache: llama.makeCache(capacity: input.count),
                                   logitsFor: Array(0..<(input.count - 1)))
        let lps = Self.tokenLogprobs(logits: logits, vocab: llama.config.vocabSize, input: input)
        let ppl = Foundation.exp(-lps.reduce(0, +) / Double(lps.count))
        let lpText = (["null"] + lps.map { String($0) }).joined(separator: ", ")
        print("{\"ids\": [\(input.map(String.init).joined(separator: ", "))], \"logprobs\": [\(lpText)], \"perplexity\": \(ppl)}")
    }

    /// log p(input[i+1] | input[...i]) from the logits rows of positions 0..<count−1, through the
    /// loss kernel (CrossEntropy.logProb: the scorer's and the loss's bits); −∞ for an id past the vocabulary.
    static func tokenLogprobs(logits: [Float], vocab v: Int, input: [Int]) -> [Double] {
        precondition(logits.count == (input.count - 1) * v)
        return logits.withUnsafeBufferPointer { p in
            (0..<(input.count - 1)).map { i in
                input[i + 1] < v ? Double(CrossEntropy.logProb(p.baseAddress! + i * v, v, target: input[i + 1]).logprob) : -.infinity
            }
        }
    }
}
