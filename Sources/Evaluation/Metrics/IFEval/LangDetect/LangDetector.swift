import Foundation

/// `langdetect.detect(text)` (1.0.9) with `DetectorFactory.seed = 0`: 7 trials, each with
/// alpha = 0.5 + gauss·0.05, updating the language probabilities with randomly chosen n-grams
/// until the best exceeds 0.99999 (checked every 5 draws) or 1000 draws; the averaged
/// probabilities' best language above 0.1 wins. Randomness is CPython's MT19937 (`random.Random`
/// seeded with 0, `gauss` with its cached second value, `choice`).
public struct LangDetector: Sendable {
    public let profiles: LangDetectProfiles
    public init(profiles: LangDetectProfiles) { self.profiles = profiles }

    /// Python `random.gauss(0, 1)` state: CPython caches the second normal of each pair.
    private struct Gauss {
        var rng: PythonRandom
        var next: Double? = nil
        mutating func draw() -> Double {
            if let z = next { next = nil; return z }
            let x2pi = rng.random() * 2 * Double.pi
            let g2rad = (-2.0 * Foundation.log(1.0 - rng.random())).squareRoot()
            next = Foundation.sin(x2pi) * g2rad
            return Foundation.cos(x2pi) * g2rad
        }
    }

    /// The language code, "unknown" when no language passes 0.1, or nil where langdetect raises
    /// `LangDetectException` (no n-gram features).
    public func detect(_ text: String) -> String? {
        guard let probs = probabilities(text) else { return nil }
        var best: (String, Double)? = nil
        // `_sort_probability`: p > 0.1, stable sort by p descending; the first wins.
        for (lang, p) in zip(profiles.languages, probs) where p > 0.1 {
            if best == nil || p > best!.1 { best = (lang, p) }
        }
        return best?.0 ?? "unknown"
    }

    /// `Detector.get_probabilities` before sorting, in profile order; nil if no features.
    public func probabilities(_ text: String) -> [Double]? {
        let grams = profiles.ngrams(profiles.prepare(text))
        guard !grams.isEmpty else { return nil }
        let nLang = profiles.languages.count
        var langprob = [Double](repeating: 0, count: nLang)
        var g = Gauss(rng: PythonRandom(seed: 0))
        for _ in 0..<7 {
            var prob = [Double](repeating: 1.0 / Double(nLang), count: nLang)
            let alpha = 0.5 + g.draw() * 0.05
            let weight = alpha / 10_000
            var i = 0
            while true {
                let w = grams[g.rng.randbelow(grams.count)]
                let lp = profiles.wordLangProb[w]!
                for j in 0..<nLang { prob[j] *= weight + lp[j] }
                if i % 5 == 0 {
                    if normalize(&prob) > 0.99999 || i >= 1000 { break }
                }
                i += 1
            }
            for j in 0..<nLang { langprob[j] += prob[j] / 7 }
        }
        return langprob
    }

    /// `_normalize_prob`: divide by the (left-to-right, as Python 3.11's `sum`) total; return the max.
    private func normalize(_ prob: inout [Double]) -> Double {
        var sum = 0.0
        for p in prob { sum += p }
        var maxp = 0.0
        for j in 0..<prob.count {
            let p = prob[j] / sum
            if maxp < p { maxp = p }
            prob[j] = p
        }
        return maxp
    }
}
