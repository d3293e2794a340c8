import ArgumentParser
import Checkpoints
import Foundation
import Training

/// `sftgo-bench grad`: the proof interface of issue 17, for checks outside this code base (e.g.
/// scripts/reference/grad_check.py against PyTorch). One batch file in (see ProofBatch), the GO
/// loss's four values, its gradient under Hugging Face names and optionally the parameters after
/// N AdamW steps on the same batch out, all computed by the trainer's own code (GradProof).
public struct GradBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "GO loss, gradient and AdamW steps of one batch, for independent checks.",
        discussion: """
        --batch is a safetensors file of integer [B, T] tensors input_ids, attention_mask (right padding), \
        prompt_mask, important_mask and loss_mask (loss_mask[b,t] = 1: token t is a target predicted from \
        position t-1). Writes OUT/losses.json (ce_all, ce_imp, ce_unimp, go_loss), OUT/grads.safetensors \
        (f32 d go_loss / d parameter, Hugging Face names; a tied head's gradient is in the embedding) and, \
        with --adamw-steps N > 0, OUT/params.safetensors after N steps of AdamW (betas 0.9/0.999, eps 1e-8, \
        constant lr, weight decay on every parameter as torch.optim.AdamW over model.parameters()).
        """)

    @Option(help: "Hugging Face model folder (config.json + safetensors).") var model: String
    @Option(help: "Batch safetensors file.") var batch: String
    @Option(help: "λ of the GO loss (0 = plain SFT).") var lambda: Double
    @Option(help: "Output directory.") var output: String
    @Option(name: .customLong("adamw-steps"), help: "AdamW steps on the same batch (0: none, no params.safetensors).") var adamwSteps = 0
    @Option(help: "AdamW learning rate (torch's default).") var lr = 1e-3
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (torch's default).") var weightDecay = 1e-2
    public init() {}

    public func validate() throws {
        guard (0...1).contains(lambda) else { throw ValidationError("--lambda must lie in [0, 1]") }
        guard adamwSteps >= 0 else { throw ValidationError("--adamw-steps must be ≥ 0") }
        guard lr.isFinite, lr >= 0, weightDecay.isFinite, weightDecay >= 0 else {
            throw ValidationError("--lr and --weight-decay must be finite and ≥ 0")
        }
    }

    public func run() throws {
        let m = try LlamaTrainableModel(directory: URL(fileURLWithPath: model))
        let b = try ProofBatch(file: batch, vocabSize: m.llama.config.vocabSize)
        let r = try GradProof.run(model: m, batch: b, lambda: lambda, adamwSteps: adamwSteps,
                                  learningRate: lr, weightDecay: weightDecay)
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try GradProof.lossesJSON(r, batch: b).write(to: out.appendingPathComponent("losses.json"))
        try SafetensorsFile.write(r.gradients, to: out.appendingPathComponent("grads.safetensors"), dtype: .f32)
        let params = out.appendingPathComponent("params.safetensors")
        if let p = r.parameters {
            try SafetensorsFile.write(p, to: params, dtype: .f32)
        } else {
            try? FileManager.default.removeItem(at: params)   // no stale parameters from an earlier run
        }
        print(String(format: "go_loss %.8g (ce_all %.8g, ce_imp %.8g, ce_unimp %.8g; %@ group worse%@) over %d loss tokens → %@",
                     r.loss.loss, r.loss.ceAll, r.loss.ceImportant, r.loss.ceUnimportant, r.loss.worse.rawValue,
                     r.loss.fellBack ? ", the other group is empty" : "", r.loss.countAll, out.path))
    }
}
