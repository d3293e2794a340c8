import Foundation

/// A contiguous range of the flat parameter buffer and whether weight decay applies to it.
public struct ParameterGroup: Equatable, Sendable {
    public var name: String
    public var range: Range<Int>
    public var decay: Bool
    public init(name: String, range: Range<Int>, decay: Bool) { self.name = name; self.range = range; self.decay = decay }
}

/// AdamW exactly as `torch.optim.AdamW` (single-tensor path, the CPU default): decoupled decay
/// `p ← p·(1 − lr·wd)`, `m ← lerp(m, g, 1−β1)`, `v ← β2·v + (1−β2)·g²`,
/// `p ← p − (lr/(1−β1^t))·m/(√v/√(1−β2^t) + ε)`, in Float32 with the scalars computed in Double
/// as Python does. Moments are allocated once; a step allocates nothing.
public final class AdamW {
    public var beta1: Double, beta2: Double, eps: Double, weightDecay: Double
    public private(set) var step = 0
    public private(set) var m: [Float]
    public private(set) var v: [Float]
    public let groups: [ParameterGroup]

    public init(parameterCount: Int, groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999,
                eps: Double = 1e-8, weightDecay: Double = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.groups = groups
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
    }

    /// One update of `params` with `grads` at learning rate `lr`.
    public func update(params: UnsafeMutableBufferPointer<Float>, grads: UnsafeBufferPointer<Float>, lr: Double) {
        precondition(params.count == m.count && grads.count == m.count, "AdamW: buffer sizes differ")
        step += 1
        let bc1 = 1 - pow(beta1, Double(step))
        let bc2Sqrt = (1 - pow(beta2, Double(step))).squareRoot()
        let stepSize = Float(-(lr / bc1))
        let w1 = Float(1 - beta1), b2 = Float(beta2), w2 = Float(1 - beta2)
        let bc2f = Float(bc2Sqrt), epsf = Float(eps)
        m.withUnsafeMutableBufferPointer { mp in
            v.withUnsafeMutableBufferPointer { vp in
                let p = params.baseAddress!, gr = grads.baseAddress!, mm = mp.baseAddress!, vv = vp.baseAddress!
                for g in groups {
                    let keep = Float(1 - lr * (g.decay ? weightDecay : 0))
                    if keep != 1 { for i in g.range { p[i] *= keep } }
                    for i in g.range {
                        let gi = gr[i]
                        // torch's lerp with weight < 0.5: self + weight·(end − self).
                        mm[i] = mm[i] + w1 * (gi - mm[i])
                        vv[i] = vv[i] * b2 + w2 * (gi * gi)
                        let denom = vv[i].squareRoot() / bc2f + epsf
                        p[i] = p[i] + stepSize * (mm[i] / denom)
                    }
                }
            }
        }
    }

    /// Restores moments and step count from a checkpoint.
    public func restore(step: Int, m: [Float], v: [Float]) throws {
        guard m.count == self.m.count, v.count == self.v.count else {
            throw TrainingError.checkpoint("optimiser state has \(m.count)/\(v.count) values, the model \(self.m.count)")
        }
        self.step = step; self.m = m; self.v = v
    }

    /// Global L2 norm of `grads` (Double accumulation); with `maxNorm`, scales them as
    /// `torch.nn.utils.clip_grad_norm_` does: by `min(1, maxNorm/(norm + 1e-6))`. Returns the norm before clipping.
    @discardableResult
    public static func clipGradNorm(_ grads: UnsafeMutableBufferPointer<Float>, maxNorm: Double?) -> Double {
        var s = 0.0
        for x in grads { s += Double(x) * Double(x) }
        let norm = s.squareRoot()
        if let mx = maxNorm, norm.isFinite {
            let coef = mx / (norm + 1e-6)
            if coef < 1 {
                let c = Float(coef)
                for i in grads.indices { grads[i] *= c }
            }
        }
        return norm
    }
}
