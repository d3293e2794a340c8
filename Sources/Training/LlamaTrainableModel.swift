import Checkpoints
import Foundation
import Models
import Tensors

/// A Llama as the trainer sees it: the engine's flat parameters and gradients (LlamaLayout),
/// parameter groups from the layout's decay flags, and the training forward/backward over one
/// workspace that grows to the largest micro-batch once and is then reused.
public final class LlamaTrainableModel: TrainableModel {
    public let llama: Llama
    public var numerics: [(String, String)] { Llama.calibration(config: llama.config).provenance }
    public let gradients: LlamaGradients
    /// The folder the model came from: its config.json is written out with the trained weights.
    public let sourceDirectory: URL?
    private var workspace: LlamaWorkspace?

    public init(_ llama: Llama, sourceDirectory: URL? = nil) {
        self.llama = llama
        self.sourceDirectory = sourceDirectory
        gradients = LlamaGradients(model: llama)
    }

    public convenience init(directory: URL) throws { try self.init(folder: ModelFolder(directory: directory)) }

    public convenience init(folder: ModelFolder) throws {
        self.init(try Llama(folder: folder), sourceDirectory: folder.directory)
    }

    public var parameterCount: Int { llama.parameters.count }

    public var parameterGroups: [ParameterGroup] {
        llama.parameters.layout.entries.map {
            ParameterGroup(name: $0.name, range: $0.offset..<($0.offset + $0.count), decay: !$0.isNorm)
        }
    }

    public func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: llama.parameters.base, count: llama.parameters.count))
    }

    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: gradients.base, count: gradients.count))
    }

    public func zeroGradients() { gradients.zero() }

    public func forward(_ examples: [TokenizedExample], entropyTopK: Int?) throws -> TokenLosses {
        let batch = examples.map { TrainingSequence(tokens: $0.inputs, targets: $0.targets) }
        let rows = LlamaWorkspace.rows(lengths: batch.map { $0.tokens.count }, model: llama)
        if workspace == nil { workspace = LlamaWorkspace(model: llama, rows: rows) }
        let s = try llama.trainingForward(batch, workspace: workspace!, entropyTopK: entropyTopK)
        return TokenLosses(losses: s.losses, probs: s.probs, entropies: s.entropies)
    }

    public func backward(weights: [Float]) throws {
        guard let ws = workspace else { throw TrainingError.config("backward before any forward") }
        try llama.trainingBackward(weights: weights, workspace: ws, into: gradients)
    }

    /// The engine's Hugging Face writer (f32 model.safetensors, a tied head stored once, config.json),
    /// then the source folder's own config.json over it so fields our config type does not model
    /// (architectures, pad ids, ...) survive, as HF Trainer's save_pretrained keeps them.
    public func save(to directory: URL) throws {
        let fm = FileManager.default
        try llama.save(directory: directory)
        if let src = sourceDirectory?.appendingPathComponent("config.json"), fm.fileExists(atPath: src.path) {
            let dst = directory.appendingPathComponent("config.json")
            if src.standardizedFileURL != dst.standardizedFileURL {
                try? fm.removeItem(at: dst)
                try fm.copyItem(at: src, to: dst)
            }
        }
    }
}
