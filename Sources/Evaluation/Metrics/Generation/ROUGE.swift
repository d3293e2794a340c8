// ROUGE-1, ROUGE-2 and ROUGE-Lsum F-measures as rouge_score 0.1.2's `RougeScorer(["rouge1",
// "rouge2", "rougeLsum"])` (no stemmer, summaries split on "\n") computes them, which is what
// lm-eval 0.4.8's truthfulqa `rouge()` reports (×100, "rougeLsum" under the name rougeL).
import Foundation

public enum ROUGE {
    public struct Scores: Equatable {
        public var rouge1: Double
        public var rouge2: Double
        public var rougeLsum: Double
    }

    /// rouge_score's default tokenizer: Python `lower()`, runs of `[^a-z0-9]` become a space,
    /// whitespace split, keep tokens matching `^[a-z0-9]+$` (so non-ASCII letters vanish).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        for u in text.lowercased().unicodeScalars {
            let v = u.value
            if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                cur.append(u)
            } else if !cur.isEmpty {
                out.append(String(cur))
                cur = String.UnicodeScalarView()
            }
        }
        if !cur.isEmpty { out.append(String(cur)) }
        return out
    }

    /// `scoring.fmeasure`.
    static func fmeasure(_ p: Double, _ r: Double) -> Double {
        p + r > 0 ? 2 * p * r / (p + r) : 0
    }

    /// `_score_ngrams`: multiset overlap of the n-grams of both token lists.
    static func ngramF(target: [String], prediction: [String], n: Int) -> Double {
        func grams(_ t: [String]) -> [ArraySlice<String>: Int] {
            var c: [ArraySlice<String>: Int] = [:]
            if t.count >= n { for i in 0...(t.count - n) { c[t[i..<(i + n)], default: 0] += 1 } }
            return c
        }
        let tg = grams(target), pg = grams(prediction)
        var overlap = 0
        for (g, c) in tg { overlap += min(c, pg[g] ?? 0) }
        let tCount = tg.values.reduce(0, +), pCount = pg.values.reduce(0, +)
        let p = Double(overlap) / Double(max(pCount, 1))
        let r = Double(overlap) / Double(max(tCount, 1))
        return fmeasure(p, r)
    }

    /// Indices into `ref` of one LCS with `can`, recovered by rouge_score's back-walk
    /// (`_backtrack_norec`: diagonal on a match, else left when T[i][j−1] > T[i−1][j], else up).
    static func lcsIndices(_ ref: [String], _ can: [String]) -> [Int] {
        let m = ref.count, n = can.count
        var t = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: m + 1)
        if m > 0 && n > 0 {
            for i in 1...m {
                for j in 1...n {
                    t[i][j] = ref[i - 1] == can[j - 1] ? t[i - 1][j - 1] + 1 : max(t[i - 1][j], t[i][j - 1])
                }
            }
        }
        var i = m, j = n
        var out: [Int] = []
        while i > 0 && j > 0 {
            if ref[i - 1] == can[j - 1] {
                out.append(i - 1); i -= 1; j -= 1
            } else if t[i][j - 1] > t[i - 1][j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return out.reversed()
    }

    /// `_summary_level_lcs`: union LCS per reference sentence, hits limited by token budgets.
    static func summaryLCSF(target: [[String]], prediction: [[String]]) -> Double {
        guard !target.isEmpty, !prediction.isEmpty else { return 0 }
        let m = target.reduce(0) { $0 + $1.count }, n = prediction.reduce(0) { $0 + $1.count }
        guard m > 0, n > 0 else { return 0 }
        var budgetR: [String: Int] = [:], budgetC: [String: Int] = [:]
        for s in target { for t in s { budgetR[t, default: 0] += 1 } }
        for s in prediction { for t in s { budgetC[t, default: 0] += 1 } }
        var hits = 0
        for r in target {
            var union = Set<Int>()
            for c in prediction { union.formUnion(lcsIndices(r, c)) }
            for i in union.sorted() {
                let tok = r[i]
                if (budgetC[tok] ?? 0) > 0 && (budgetR[tok] ?? 0) > 0 {
                    hits += 1
                    budgetC[tok]! -= 1
                    budgetR[tok]! -= 1
                }
            }
        }
        return fmeasure(Double(hits) / Double(n), Double(hits) / Double(m))
    }

    /// Sentences of a summary for rougeLsum: split on "\n", empty pieces dropped, each tokenized.
    static func sentences(_ text: String) -> [[String]] {
        PyString.split(text, "\n").filter { !$0.isEmpty }.map(tokens)
    }

    /// `RougeScorer.score(target, prediction)` F-measures (0–1).
    public static func score(target: String, prediction: String) -> Scores {
        let t = tokens(target), p = tokens(prediction)
        return Scores(rouge1: ngramF(target: t, prediction: p, n: 1),
                      rouge2: ngramF(target: t, prediction: p, n: 2),
                      rougeLsum: summaryLCSF(target: sentences(target), prediction: sentences(prediction)))
    }

    /// lm-eval's truthfulqa `rouge([ref], [pred])`: " . " → ".\n" on both sides, F × 100.
    public static func truthfulQA(reference: String, prediction: String) -> Scores {
        let s = score(target: PyString.replace(reference, " . ", ".\n"),
                      prediction: PyString.replace(prediction, " . ", ".\n"))
        return Scores(rouge1: s.rouge1 * 100, rouge2: s.rouge2 * 100, rougeLsum: s.rougeLsum * 100)
    }
}
