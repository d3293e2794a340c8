// Unigram TF-IDF (§3.3 "statistics-based grouping") exactly as scikit-learn's `TfidfVectorizer`
// defaults compute it: one document per training example (its loss tokens), raw term counts
// (sublinear_tf=False) × smoothed IDF ln((1+n)/(1+df)) + 1, each row L2-normalised (norm="l2";
// ranks within a document do not change, pooled batch scopes do). The "+1" keeps common terms'
// IDF near 1, so a function word seen 20 times outscores a rare word seen once (Appendix H).
// Every occurrence of a term in a document gets the same score, as the paper notes.

import Foundation

public struct TFIDF: GroupingFunction {
    /// What a term is.
    public enum Units: String, Sendable, CaseIterable {
        /// Tokenizer ids of the loss tokens (the default: no word-to-token mapping needed).
        case ids
        /// scikit-learn's default word analyser (lower-case, `(?u)\b\w\w+\b`) on the loss tokens'
        /// text; each token gets the highest score of the words its characters overlap, 0 if none.
        case words
    }

    public var units: Units
    /// scikit-learn's `norm="l2"` (true) or `norm=None`.
    public var normalize: Bool

    public init(units: Units = .ids, normalize: Bool = true) {
        self.units = units
        self.normalize = normalize
    }

    public var name: String { "tfidf" }
    public var defaultScope: SelectionScope { .sequence }
    public var settings: [String: String] { ["units": units.rawValue, "norm": normalize ? "l2" : "none"] }

    /// Smoothed IDF of scikit-learn: ln((1 + n) / (1 + df)) + 1.
    public static func idf(documents n: Int, documentFrequency df: Int) -> Double {
        Foundation.log(Double(1 + n) / Double(1 + df)) + 1
    }

    /// Per-document TF-IDF weight of each distinct term (the rows of `fit_transform`).
    public static func weights<Term: Hashable>(_ documents: [[Term]], normalize: Bool) -> [[Term: Double]] {
        var df: [Term: Int] = [:]
        var counts: [[Term: Int]] = []
        counts.reserveCapacity(documents.count)
        for d in documents {
            var c: [Term: Int] = [:]
            for t in d { c[t, default: 0] += 1 }
            for t in c.keys { df[t, default: 0] += 1 }
            counts.append(c)
        }
        let n = documents.count
        return counts.map { c in
            var w: [Term: Double] = [:]
            for (t, k) in c { w[t] = Double(k) * idf(documents: n, documentFrequency: df[t]!) }
            if normalize {
                // Sum in a fixed order so that the norm does not depend on dictionary order.
                let norm = w.values.sorted().reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { for t in w.keys { w[t]! /= norm } }
            }
            return w
        }
    }

    public func scores(_ examples: [GroupingExample], progress: GroupingProgress?) throws -> [[Double]] {
        switch units {
        case .ids:
            let docs = examples.map { $0.lossIds }
            let w = TFIDF.weights(docs, normalize: normalize)
            progress?(examples.count, examples.count)
            return zip(docs, w).map { d, w in d.map { w[$0]! } }
        case .words:
            var words: [[WordAnalyzer.Word]] = []
            words.reserveCapacity(examples.count)
            for e in examples {
                guard let text = e.text, let offsets = e.lossOffsets else {
                    throw GroupingError.missingText(example: e.index, method: "tfidf --units words")
                }
                words.append(WordAnalyzer.words(in: WordAnalyzer.lossText(text, offsets)))
            }
            let w = TFIDF.weights(words.map { $0.map { $0.term } }, normalize: normalize)
            progress?(examples.count, examples.count)
            return zip(examples, zip(words, w)).map { e, ww in
                WordAnalyzer.tokenScores(offsets: e.lossOffsets!, words: ww.0) { ww.1[$0.term]! }
            }
        }
    }
}
