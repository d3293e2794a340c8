import Checkpoints
import Foundation

/// Plain statistics for seed sweeps, in Double. Standard deviations are the sample kind (n − 1)
/// unless asked otherwise; captions say which.
public enum Statistics {
    public enum StdKind: String, Sendable {
        case sample, population
        public var caption: String {
            self == .sample ? "sample standard deviation (n − 1)" : "population standard deviation (n)"
        }
    }

    public static func mean(_ x: [Double]) -> Double {
        precondition(!x.isEmpty, "mean of no values")
        return x.reduce(0, +) / Double(x.count)
    }

    /// nil for a single value with the sample kind (undefined).
    public static func std(_ x: [Double], kind: StdKind = .sample) -> Double? {
        let n = x.count
        let d = kind == .sample ? n - 1 : n
        guard d > 0 else { return nil }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(d)).squareRoot()
    }

    // MARK: Student's t

    /// P(T ≤ t) for Student's t with ν degrees of freedom, through the regularised incomplete beta:
    /// P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
    public static func tCDF(_ t: Double, dof nu: Double) -> Double {
        let tail = 0.5 * incompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The p-quantile of Student's t (e.g. p = 0.975 for a two-sided 95% interval), by bisection
    /// on the CDF to 1e-12 (the CDF is monotone, so bisection cannot go astray).
    public static func tQuantile(_ p: Double, dof nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0)
        if p == 0.5 { return 0 }
        if p < 0.5 { return -tQuantile(1 - p, dof: nu) }
        var lo = 0.0, hi = 1.0
        while tCDF(hi, dof: nu) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tCDF(mid, dof: nu) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-13 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    /// Regularised incomplete beta I_x(a, b), by the continued fraction (modified Lentz), using the
    /// symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where the fraction converges slowly.
    public static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let lnFront: Double = lnBeta + a * log(x) + b * log(1 - x)
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...10_000 {
            let m = Double(m)
            // even step
            let twoM: Double = 2 * m
            var num: Double = m * (b - m) * x / ((a + twoM - 1) * (a + twoM))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            // odd step
            let numer: Double = (a + m) * (a + b + m) * x
            num = -numer / ((a + twoM) * (a + twoM + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(lnFront) * f / a
    }
}
