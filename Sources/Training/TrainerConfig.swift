import Foundation

/// Every knob of a training run (HF Trainer / LLaMA-Factory spellings in the CLI), written whole
/// into run.json and into each checkpoint so a resume with different settings is refused.
public struct TrainerConfig: Codable, Equatable, Sendable {
    /// Examples per optimiser step (the paper: 64 for LIMA, 32 for Alpaca).
    public var batchSize = 64
    /// Positions per micro-batch (packed); the batch is accumulated over as many as it needs.
    public var tokenBudget = 4096
    public var epochs = 1
    /// Overrides `epochs` when set.
    public var maxSteps: Int? = nil
    public var learningRate = 1e-5
    public var weightDecay = 0.0
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.999
    public var adamEpsilon = 1e-8
    public var warmupRatio = 0.0
    /// Gradient-norm clipping (HF default 1.0); nil turns it off.
    public var maxGradNorm: Double? = 1.0
    /// Decay norm weights too (torch.optim.AdamW over all parameters); default false as HF Trainer.
    public var decayNorms = false
    public var seed: UInt64 = 42
    public var shuffle = true
    /// The paper's GO means pool over the whole optimiser batch; true gives what PyTorch code with
    /// gradient accumulation computes (each micro-batch's own means, averaged).
    public var perMicroBatchLoss = false
    /// Checkpoint every this many steps (and at the end); nil: only at the end.
    public var saveSteps: Int? = nil
    public var entropyTopK: Int? = nil

    public init() {}
}
