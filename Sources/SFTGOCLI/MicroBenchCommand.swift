import ArgumentParser
import Foundation
import Checkpoints
import Models
import Tensors
#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// `sftgo-bench micro [--model DIR]`: sgemm GFLOP/s on 1 and all threads; with a model, forward
/// tokens/s at batch B × L (all logits, as a PyTorch forward computes them) with the fraction of the
/// measured sgemm rate, greedy decode tokens/s with the KV cache, and peak memory.
public struct MicroBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "micro", abstract: "Measure sgemm, forward and decode speed.")
    @Option(help: "Hugging Face model folder (config.json + safetensors).") var model: String?
    @Option(help: "Sequences in the forward batch.") var batch = 2
    @Option(help: "Tokens per sequence in the forward batch.") var length = 512
    @Option(help: "Timed repetitions (the median is reported).") var repeats = 3
    @Option(help: "Greedy tokens to decode after a 32-token prompt.") var decodeTokens = 64
    public init() {}

    public func run() throws {
        let threads = ThreadPool.threadCount
        print("threads: \(threads) (SFTGO_THREADS)")
        let one = sgemmRate(threads: 1)
        let all = sgemmRate(threads: threads)
        ThreadPool.configure(threads: threads)
        print(String(format: "sgemm 1536³: %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d threads", one, all, threads))
        guard let model else { print("(no --model: forward and decode skipped)"); return }
        let loadStart = Date()
        let llama = try Llama(directory: URL(fileURLWithPath: model))
        let c = llama.config
        print("model: \(model) " + String(format: "(%d layers, d=%d, vocab %d), loaded in %.1f s, peak memory so far %.0f MiB",
                     c.numHiddenLayers, c.hiddenSize, c.vocabSize, Date().timeIntervalSince(loadStart), peakMiB()))
        print("numerics: " + NumericsProvenance.line(Llama.calibration(config: c)))
        let rng = Philox4x32(seed: 1234)
        let seqs = (0..<batch).map { b in
            (0..<length).map { i in Int(rng.word(UInt64(b * length + i)) % UInt32(c.vocabSize)) }
        }
        let rows = seqs.map { Array(0..<$0.count) }
        let warm = min(64, length)
        _ = llama.forwardBatch([Array(seqs[0].prefix(warm))], logitsFor: [[warm - 1]])   // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = Date()
            _ = llama.forwardBatch(seqs, logitsFor: rows)
            times.append(Date().timeIntervalSince(t0))
        }
        let t = times.sorted()[times.count / 2]
        let tokens = Double(batch * length)
        let gflop = forwardFlops(c, batch: batch, length: length) / 1e9
        print(String(format: "forward %d×%d (all logits): %.3f s median of %d → %.1f tokens/s, %.1f GFLOP/s = %.0f%% of the %d-thread sgemm rate",
                     batch, length, t, repeats, tokens / t, gflop / t, 100 * gflop / t / all, threads))
        let prompt = Array(seqs[0].prefix(32))
        let p0 = Date()
        _ = llama.generate(prompt: prompt, maxNewTokens: 1, stopTokenIds: [])
        let prefill = Date().timeIntervalSince(p0)
        let d0 = Date()
        let out = llama.generate(prompt: prompt, maxNewTokens: decodeTokens, stopTokenIds: [])
        let decode = Date().timeIntervalSince(d0) - prefill
        print(String(format: "greedy decode: %d tokens after a 32-token prompt, %.1f tokens/s (prefill %.3f s excluded)",
                     out.count, Double(out.count - 1) / decode, prefill))
        print(String(format: "peak memory (max RSS): %.0f MiB", peakMiB()))
    }

    public func validate() throws {
        guard batch >= 1, length >= 1, repeats >= 1, decodeTokens >= 1 else {
            throw ValidationError("--batch, --length, --repeats and --decode-tokens must be ≥ 1")
        }
    }

    /// The process's peak resident set so far.
    func peakMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Matmul FLOPs of a full forward with all logits, plus causal attention (QKᵀ and PV).
    func forwardFlops(_ c: LlamaConfig, batch: Int, length: Int) -> Double {
        let d = Double(c.hiddenSize), hd = Double(c.headDim)
        let q = Double(c.numAttentionHeads) * hd, kv = Double(c.numKeyValueHeads) * hd
        let perLayer = d * (q + 2 * kv) + q * d + 3 * d * Double(c.intermediateSize)
        let layers = Double(c.numHiddenLayers), vocab = Double(c.vocabSize)
        let perToken: Double = 2 * (layers * perLayer + d * vocab)
        let pairs: Double = Double(length) * Double(length + 1) / 2
        let attention: Double = layers * Double(c.numAttentionHeads) * 4 * hd * pairs
        return Double(batch) * (Double(length) * perToken + attention)
    }

    func sgemmRate(threads: Int) -> Double {
        ThreadPool.configure(threads: threads)
        let n = 1536
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var cm = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<4 {
            let t0 = Date()
            cm.withUnsafeMutableBufferPointer { cp in
                Gemm.parallel(.none, .transposed, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: cp.baseAddress!, ldc: n)
            }
            best = min(best, Date().timeIntervalSince(t0))
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
