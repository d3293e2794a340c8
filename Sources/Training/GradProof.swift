import Checkpoints
import Foundation

/// The computation behind `sftgo-bench grad`, built from the trainer's own pieces (the model's
/// forward/backward, GOWeights over GroupLoss, AdamW) so an outside check tests what training runs:
/// the GO loss of one batch (one packed micro-batch, the batch-pooled means of Eq. 3–4), its
/// gradient, and optionally N AdamW steps on that same batch at a constant learning rate with weight
/// decay on every parameter (`torch.optim.AdamW(model.parameters(), lr, weight_decay=wd)`).
public enum GradProof {
    public struct Result {
        /// The GO loss at the initial parameters (its ce_all, ce_imp, ce_unimp, loss).
        public var loss: GroupLoss
        /// d loss / d parameter at the initial parameters, one entry per distinct parameter tensor.
        public var gradients: [NamedTensor]
        /// The GO loss at the start of each AdamW step (step 1's equals `loss`).
        public var stepLosses: [GroupLoss]
        /// The parameters after the AdamW steps (nil without steps).
        public var parameters: [NamedTensor]?
    }

    public static func run(model: LlamaTrainableModel, batch: ProofBatch, lambda: Double,
                           adamwSteps: Int = 0, learningRate: Double = 1e-3, weightDecay: Double = 1e-2) throws -> Result {
        // One forward + GO weights + backward: what one Trainer step does for a one-micro-batch batch.
        func lossAndGradient() throws -> GroupLoss {
            let s = try model.forward(batch.examples, entropyTopK: nil)
            var important: [Bool] = []
            for e in batch.examples { important += try batch.masks.mask(for: e) }
            guard important.count == s.losses.count else {
                throw TrainingError.config("the model returned \(s.losses.count) losses for \(important.count) loss tokens")
            }
            let g = GroupLoss(losses: s.losses, important: important, lambda: lambda)
            guard g.loss.isFinite else {
                throw TrainingError.nonFiniteLoss(step: 0, examples: batch.examples.map(\.index), value: g.loss)
            }
            model.zeroGradients()
            try model.backward(weights: g.weights)
            return g
        }
        let first = try lossAndGradient()
        let gradients = model.gradients.namedTensors()
        guard adamwSteps > 0 else { return Result(loss: first, gradients: gradients, stepLosses: [], parameters: nil) }

        let groups = model.parameterGroups.map { ParameterGroup(name: $0.name, range: $0.range, decay: true) }
        let opt = AdamW(parameterCount: model.parameterCount, groups: groups, weightDecay: weightDecay)
        var stepLosses = [first]
        for step in 0..<adamwSteps {
            if step > 0 { stepLosses.append(try lossAndGradient()) }
            model.withParameters { p in model.withGradients { g in opt.update(params: p, grads: UnsafeBufferPointer(g), lr: learningRate) } }
        }
        return Result(loss: first, gradients: gradients, stepLosses: stepLosses,
                      parameters: model.llama.parameters.namedTensors())
    }

    /// `losses.json`: the four losses of issue 17 plus what the GO max chose and, with steps, the
    /// loss at the start of every step.
    public static func lossesJSON(_ r: Result, batch: ProofBatch) throws -> Data {
        func num(_ x: Double) -> Any { x.isFinite ? x : NSNull() }   // an empty group has no mean
        var d: [String: Any] = ["ce_all": num(r.loss.ceAll), "ce_imp": num(r.loss.ceImportant),
                                "ce_unimp": num(r.loss.ceUnimportant), "go_loss": r.loss.loss, "lambda": r.loss.lambda,
                                "worse_group": r.loss.worse.rawValue, "group_fallback": r.loss.fellBack,
                                "n_all": r.loss.countAll, "n_imp": r.loss.countImportant, "n_unimp": r.loss.countUnimportant,
                                "batch_shape": [batch.rows, batch.columns]]
        if !r.stepLosses.isEmpty { d["adamw_step_go_loss"] = r.stepLosses.map(\.loss) }
        return try JSONSerialization.data(withJSONObject: d, options: [.prettyPrinted, .sortedKeys])
    }
}
