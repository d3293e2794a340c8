import Foundation

/// λ of the GO loss over optimiser steps (paper Eq. 5): static, or linearly decaying
/// `λ_t = max(λ_max·(1 − t/T), λ_min)` over the T steps of the run (t 0-based).
public enum LambdaSchedule: Equatable, Sendable {
    case constant(Double)
    case linearDecay(max: Double, min: Double)

    public func value(step: Int, totalSteps: Int) -> Double {
        switch self {
        case .constant(let l): return l
        case .linearDecay(let hi, let lo):
            let t = Double(step), T = Double(max(totalSteps, 1))
            return Swift.max(hi * (1 - t / T), lo)
        }
    }

    public var description: String {
        switch self {
        case .constant(let l): return "constant(\(l))"
        case .linearDecay(let hi, let lo): return "linear-decay(max: \(hi), min: \(lo))"
        }
    }
}
