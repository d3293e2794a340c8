import Foundation

/// The learning rate of transformers' `get_cosine_schedule_with_warmup` (num_cycles 0.5) with the
/// Trainer's warm-up from a ratio, `ceil(T·ratio)` steps. Step t (0-based) is the t-th optimiser
/// update, which uses the factor at t (LambdaLR starts at 0, so a warm-up's first step has lr 0).
public struct CosineSchedule: Equatable, Sendable {
    public var peak: Double
    public var totalSteps: Int
    public var warmupSteps: Int

    public init(peak: Double, totalSteps: Int, warmupRatio: Double) {
        self.peak = peak; self.totalSteps = totalSteps
        warmupSteps = Int((Double(totalSteps) * warmupRatio).rounded(.up))
    }
    public init(peak: Double, totalSteps: Int, warmupSteps: Int) {
        self.peak = peak; self.totalSteps = totalSteps; self.warmupSteps = warmupSteps
    }

    public func factor(step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
    }

    public func learningRate(step: Int) -> Double { peak * factor(step: step) }
}
