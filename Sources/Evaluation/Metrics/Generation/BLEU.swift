// Sentence BLEU exactly as lm-eval 0.4.8's truthfulqa `bleu()` obtains it from sacrebleu 2.x:
// `corpus_bleu([prediction], [[reference]], smooth_method="exp", force=False, lowercase=False,
// tokenize="intl", use_effective_order=False).score` (eval-spec §3.7). Our own code from the
// documented behaviour; float64 in Python's order of operations so scores agree to the last bits.
import Foundation

public enum BLEU {
    /// sacrebleu's `TokenizerV14International` applied to `text.rstrip()`: three regex passes over
    /// Unicode general categories, then Python `split()` and a single-space join.
    public static func intlTokens(_ text: String) -> [String] {
        var u = Array(PyString.strip(text, left: false, right: true).unicodeScalars)
        // (\P{N})(\p{P}) → "\1 \2 ": leftmost, non-overlapping two-character matches.
        u = substitutePairs(u, match: { !isNumber($0) && isPunctuation($1) }) { a, b in [a, " ", b, " "] }
        // (\p{P})(\P{N}) → " \1 \2"
        u = substitutePairs(u, match: { isPunctuation($0) && !isNumber($1) }) { a, b in [" ", a, " ", b] }
        // (\p{S}) → " \1 "
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(u.count)
        for c in u {
            if isSymbol(c) { out += [" ", c, " "] } else { out.append(c) }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: out)
        return PyString.splitWhitespace(String(s))
    }

    static func substitutePairs(_ u: [Unicode.Scalar], match: (Unicode.Scalar, Unicode.Scalar) -> Bool,
                                replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(u.count + u.count / 2)
        var i = 0
        while i < u.count {
            if i + 1 < u.count, match(u[i], u[i + 1]) {
                out += replace(u[i], u[i + 1])
                i += 2
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }

    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isSymbol(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }

    /// Counts of every n-gram (n = 1...4) of a token list, keyed by order then by the joined n-gram.
    static func ngrams(_ tokens: [String], maxOrder: Int = 4) -> [[[String]: Int]] {
        var out = [[[String]: Int]](repeating: [:], count: maxOrder)
        guard !tokens.isEmpty else { return out }
        for n in 1...maxOrder where n <= tokens.count {
            for i in 0...(tokens.count - n) { out[n - 1][Array(tokens[i..<(i + n)]), default: 0] += 1 }
        }
        return out
    }

    /// The sentence statistics sacrebleu collects for one hypothesis against one reference.
    public struct Statistics: Equatable {
        public var correct: [Int]
        public var total: [Int]
        public var sysLen: Int
        public var refLen: Int
    }

    public static func statistics(prediction: String, reference: String) -> Statistics {
        let hyp = intlTokens(prediction), ref = intlTokens(reference)
        let h = ngrams(hyp), r = ngrams(ref)
        var correct = [Int](repeating: 0, count: 4), total = [Int](repeating: 0, count: 4)
        for n in 0..<4 {
            for (g, c) in h[n] {
                total[n] += c
                correct[n] += min(c, r[n][g] ?? 0)
            }
        }
        return Statistics(correct: correct, total: total, sysLen: hyp.count, refLen: ref.count)
    }

    /// sacrebleu `BLEU.compute_bleu` with exp smoothing and the fixed order 4, on a 0–100 scale.
    public static func score(_ s: Statistics) -> Double {
        var bp = 1.0
        if s.sysLen < s.refLen {
            bp = s.sysLen > 0 ? exp(1.0 - Double(s.refLen) / Double(s.sysLen)) : 0.0
        }
        if !s.correct.contains(where: { $0 != 0 }) { return 0.0 }
        var precisions = [Double](repeating: 0, count: 4)
        var smooth = 1.0
        for n in 0..<4 {
            if s.total[n] == 0 { break }
            if s.correct[n] == 0 {
                smooth *= 2
                precisions[n] = 100.0 / (smooth * Double(s.total[n]))
            } else {
                precisions[n] = 100.0 * Double(s.correct[n]) / Double(s.total[n])
            }
        }
        // Python sum() of a list: left to right from 0; log(0) is sacrebleu's −9999999999.
        var sum = 0.0
        for p in precisions { sum += p == 0 ? -9999999999.0 : log(p) }
        return bp * exp(sum / 4.0)
    }

    /// BLEU of one prediction against one reference, as lm-eval's truthfulqa `bleu([[ref]], [pred])`.
    public static func sentence(prediction: String, reference: String) -> Double {
        score(statistics(prediction: prediction, reference: reference))
    }
}
