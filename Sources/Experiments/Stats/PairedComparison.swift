import Foundation

/// A method against baseline SFT on the same seeds: the per-seed differences, their mean, a 95%
/// Student-t interval and the two-sided p-value. Pairing by seed removes the shared seed effects
/// (data order, initialisation of the run) that an unpaired comparison would count as noise.
public struct PairedComparison: Equatable, Sendable {
    public var seeds: [Int]
    public var deltas: [Double]
    public var meanDelta: Double
    public var sd: Double?
    public var low: Double?
    public var high: Double?
    public var pValue: Double?
    public var confidence: Double

    /// `method` and `baseline` map seed → score; only seeds present in both count.
    public init?(method: [Int: Double], baseline: [Int: Double], confidence: Double = 0.95) {
        let seeds = method.keys.filter { baseline[$0] != nil }.sorted()
        guard !seeds.isEmpty else { return nil }
        self.seeds = seeds
        self.confidence = confidence
        deltas = seeds.map { method[$0]! - baseline[$0]! }
        meanDelta = Statistics.mean(deltas)
        sd = Statistics.std(deltas, kind: .sample)
        if let sd, seeds.count >= 2 {
            let n = Double(seeds.count), se = sd / n.squareRoot()
            let t = Statistics.tQuantile(0.5 + confidence / 2, dof: n - 1)
            low = meanDelta - t * se
            high = meanDelta + t * se
            // Per-seed Δ equal up to rounding in the scores (e.g. 2.5 and 2.5000000000000036) count as equal.
            if sd > 1e-9 * max(1, abs(meanDelta)) {
                let tStat = meanDelta / se
                pValue = 2 * (1 - Statistics.tCDF(abs(tStat), dof: n - 1))
            }  // identical per-seed Δ: no spread to test against, so no p-value (verdict .noSpread)
        }
    }

    /// The plain verdict: does the improvement stand out from seed noise?
    public enum Verdict: String, Sendable {
        case better = "better beyond seed noise"
        case worse = "worse beyond seed noise"
        case withinNoise = "within seed noise"
        case tooFewSeeds = "too few seeds to tell"
        /// Every seed gave the same Δ (few seeds, coarse scores): the interval is degenerate, not evidence.
        case noSpread = "no spread across seeds to judge by"
    }

    public var verdict: Verdict {
        guard let low, let high else { return .tooFewSeeds }
        if pValue == nil { return .noSpread }
        if low > 0 { return .better }
        if high < 0 { return .worse }
        return .withinNoise
    }
}
