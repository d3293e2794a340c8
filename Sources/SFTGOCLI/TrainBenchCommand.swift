import ArgumentParser
import Foundation
import Checkpoints
import Models
import Tensors

/// `sftgo-bench train --model DIR`: training forward + backward tokens/s on packed micro-batches of
/// B × L random tokens (every position a loss token), the fraction of the measured sgemm rate
/// (3 × the forward's matmul and attention FLOPs, i.e. 6·N + attention per token), and peak RSS
/// against the minimum this process needs (weights + gradients + kept activations); a trainer adds
/// the two AdamW moments (`moments_mib`). The optimiser step itself (AdamW, in Training) is not
/// timed here. mfu is only meaningful on an otherwise idle machine (the sgemm rate is measured first).
public struct TrainBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Measure training forward+backward speed and memory.")
    @Option(help: "Hugging Face model folder (config.json + safetensors).") var model: String
    @Option(help: "Sequences per micro-batch.") var batch = 2
    @Option(help: "Tokens per sequence.") var length = 512
    @Option(help: "Timed micro-batches after one warm-up (the median is reported).") var steps = 3
    @Flag(help: "Print one JSON object instead of text.") var json = false
    public init() {}

    public func validate() throws {
        guard batch >= 1, length >= 2, steps >= 1 else { throw ValidationError("--batch ≥ 1, --length ≥ 2, --steps ≥ 1") }
    }

    public func run() throws {
        let micro = MicroBenchCommand()
        let threads = ThreadPool.threadCount
        let rate = micro.sgemmRate(threads: threads)
        ThreadPool.configure(threads: threads)
        let llama = try Llama(directory: URL(fileURLWithPath: model))
        let c = llama.config
        let rng = Philox4x32(seed: 4321)
        let seqs = (0..<batch).map { b -> TrainingSequence in
            let ids = (0...length).map { i in Int(rng.word(UInt64(b * (length + 1) + i)) % UInt32(c.vocabSize)) }
            return TrainingSequence(tokens: Array(ids.prefix(length)), targets: Array(ids.dropFirst()))
        }
        let ws = LlamaWorkspace(model: llama, rows: LlamaWorkspace.rows(lengths: seqs.map(\.tokens.count), model: llama))
        let grads = LlamaGradients(model: llama)
        let weights = [Float](repeating: 1 / Float(batch * length), count: batch * length)
        var fwd: [Double] = [], total: [Double] = []
        var loss: Float = 0
        for step in 0...steps {
            let t0 = Date()
            let stats = try llama.trainingForward(seqs, workspace: ws)
            let t1 = Date()
            try llama.trainingBackward(weights: weights, workspace: ws, into: grads)
            let t2 = Date()
            loss = stats.losses.reduce(0, +) / Float(stats.losses.count)
            if step > 0 { fwd.append(t1.timeIntervalSince(t0)); total.append(t2.timeIntervalSince(t0)) }
        }
        let t = total.sorted()[total.count / 2], tf = fwd.sorted()[fwd.count / 2]
        let tokens = Double(batch * length)
        let flops = 3 * micro.forwardFlops(c, batch: batch, length: length)
        let mfu = flops / t / 1e9 / rate
        let params = Double(llama.parameters.count)
        let minimumMiB = (2 * params * 4 + Double(ws.capacity) * activationFloatsPerRow(c) * 4) / 1_048_576
        let momentsMiB = 2 * params * 4 / 1_048_576
        let peak = micro.peakMiB()
        if json {
            let obj: [String: Any] = [
                "model": model, "batch": batch, "length": length, "threads": threads, "steps": steps,
                "train_tokens_per_s": tokens / t, "forward_s": tf, "step_s": t, "mfu": mfu,
                "sgemm_gflops": rate, "peak_rss_mib": peak, "minimum_mib": minimumMiB, "moments_mib": momentsMiB, "mean_loss": Double(loss),
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "train %d×%d on %d threads: forward %.3f s + backward %.3f s (median of %d) → %.1f tokens/s, %.1f%% of the %.1f GFLOP/s sgemm rate; peak RSS %.0f MiB (minimum %.0f MiB without the %.0f MiB of AdamW moments); mean loss %.3f",
                         batch, length, threads, tf, t - tf, steps, tokens / t, 100 * mfu, rate, peak, minimumMiB, momentsMiB, loss))
        }
    }

    /// Floats the training workspace keeps per activation row (Models' Activations layout).
    func activationFloatsPerRow(_ c: LlamaConfig) -> Double {
        let d = Double(c.hiddenSize), q = Double(c.numAttentionHeads * c.headDim)
        let qkv = q + 2 * Double(c.numKeyValueHeads * c.headDim), i = Double(c.intermediateSize)
        let perLayer = 4 * d + 2 + qkv + Double(c.numAttentionHeads) + q + 3 * i
        return Double(c.numHiddenLayers) * perLayer + d + (d + 1 + Double(c.vocabSize)) + (3 * d + qkv + q + 3 * i)
    }
}
