import Foundation

/// Per-loss-token statistics of one micro-batch, in batch order (example, then position).
public struct TokenLosses {
    public var losses: [Float]       // −log p(target)
    public var probs: [Float]        // p(target)
    public var entropies: [Float]?   // normalised top-k entropy, when asked for
    public init(losses: [Float], probs: [Float], entropies: [Float]? = nil) {
        self.losses = losses; self.probs = probs; self.entropies = entropies
    }
}

/// What the trainer needs from a model: flat parameters and gradients in one layout, parameter
/// groups with decay flags, a forward over a packed micro-batch that reports every loss token's CE,
/// and a backward that accumulates the gradient of Σ w_i·loss_i for that same micro-batch.
/// The Llama adapter and the tests' toy models implement it.
public protocol TrainableModel: AnyObject {
    var parameterCount: Int { get }
    /// Contiguous ranges covering 0..<parameterCount; `decay` false for norm weights (HF Trainer's rule).
    var parameterGroups: [ParameterGroup] { get }
    func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R
    func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R
    func zeroGradients()
    /// Runs the examples as one packed micro-batch (positions restart per example, attention never
    /// crosses examples). Returns one entry per loss token (`lossMask` true, index ≥ 1).
    func forward(_ examples: [TokenizedExample], entropyTopK: Int?) throws -> TokenLosses
    /// Adds d(Σ weights[i]·loss_i)/dθ for the micro-batch of the most recent `forward` to the gradients.
    func backward(weights: [Float]) throws
    /// Writes the model as a Hugging Face folder (weights + config).
    func save(to directory: URL) throws
    /// What run.json records about the numerics (OpenBLAS kernel, row quantum, threads): bits are
    /// promised identical only under the same kernel.
    var numerics: [(String, String)] { get }
}

extension TrainableModel {
    public var numerics: [(String, String)] { [] }
}
