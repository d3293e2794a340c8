import ArgumentParser
import Checkpoints
import Foundation

/// `sftgo model import FILE.gguf --output DIR`: a llama GGUF → a Hugging Face folder.
public struct ModelImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a llama GGUF file as a Hugging Face folder (f32 safetensors, config, tokenizer).")

    @Argument(help: "The .gguf file.") var file: String
    @Option(name: .shortAndLong, help: "Output folder.") var output: String

    public init() {}

    public func run() throws {
        let start = Date()
        let out = URL(fileURLWithPath: output)
        try OutputPath.ensureWritable(out, flag: "--output")
        let r = try GGUFImport.run(gguf: URL(fileURLWithPath: file), output: out)
        let c = r.config
        let types = r.tensorTypes.keys.sorted().map { "\(r.tensorTypes[$0]!) \($0)" }.joined(separator: ", ")
        print("imported \(file) (\(types)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        print("llama: \(c.numHiddenLayers) layers, d=\(c.hiddenSize), \(c.numAttentionHeads) heads / \(c.numKeyValueHeads) kv, "
            + "vocab \(c.vocabSize), ctx \(c.maxPositionEmbeddings), rope base \(c.ropeTheta), "
            + "tied head \(c.tieWordEmbeddings), \(r.parameterCount) parameters")
        for (name, size) in r.files { print("  wrote \(out.appendingPathComponent(name).path) (\(size) bytes)") }
    }
}
