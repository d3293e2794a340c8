// scikit-learn's default word analyser (`CountVectorizer(lowercase=True,
// token_pattern=r"(?u)\b\w\w+\b")`) on Unicode scalars, with each word's position in the original
// text so word scores can be carried back onto the tokens that spell the word.
// `(?u)\b\w\w+\b` finds exactly the maximal runs of word characters of length ≥ 2, and Python's
// `\w` is `str.isalnum()` or "_" (letters, any numeric character, underscore; not combining marks).

enum WordAnalyzer {
    struct Word: Equatable {
        var term: String
        /// Range of Unicode scalars in the original text.
        var range: Range<Int>
    }

    /// Python's `\w` for str patterns.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return c.properties.numericType != nil
        }
    }

    /// The loss tokens' text as scalar ranges: each maximal run covered by the tokens' offsets is one
    /// segment (responses of different turns are separate segments, special tokens cover nothing).
    static func lossText(_ text: String, _ offsets: [Range<Int>]) -> (scalars: [Unicode.Scalar], segments: [Range<Int>]) {
        let scalars = Array(text.unicodeScalars)
        var segments: [Range<Int>] = []
        for r in offsets where !r.isEmpty {
            if let last = segments.last, r.lowerBound <= last.upperBound {
                segments[segments.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                segments.append(r)
            }
        }
        return (scalars, segments)
    }

    /// The words of the segments. As scikit-learn, the text is lower-cased first (Python's
    /// `str.lower()`, per scalar) and the pattern runs on the lower-cased text; each lower-cased
    /// scalar remembers the original scalar it came from ("İ" → "i" + U+0307, which is no word
    /// character, as in Python).
    static func words(in loss: (scalars: [Unicode.Scalar], segments: [Range<Int>])) -> [Word] {
        var out: [Word] = []
        var low: [Unicode.Scalar] = []
        var origin: [Int] = []
        for seg in loss.segments {
            low.removeAll(keepingCapacity: true)
            origin.removeAll(keepingCapacity: true)
            for i in seg {
                for c in lower(loss.scalars[i]) { low.append(c); origin.append(i) }
            }
            var i = 0
            while i < low.count {
                guard isWord(low[i]) else { i += 1; continue }
                var j = i
                while j < low.count, isWord(low[j]) { j += 1 }
                if j - i >= 2 {
                    var term = String.UnicodeScalarView()
                    term.append(contentsOf: low[i..<j])
                    out.append(Word(term: String(term), range: origin[i]..<(origin[j - 1] + 1)))
                }
                i = j
            }
        }
        return out
    }

    static func lower(_ c: Unicode.Scalar) -> String.UnicodeScalarView {
        if c.isASCII {
            let v = c.value
            return String.UnicodeScalarView([(0x41...0x5A).contains(v) ? Unicode.Scalar(v + 32)! : c])
        }
        return c.properties.lowercaseMapping.unicodeScalars
    }

    /// Each token's score: the highest score of the words its scalars overlap, 0 when it overlaps none
    /// (whitespace, punctuation, one-letter words, special tokens).
    static func tokenScores(offsets: [Range<Int>], words: [Word], score: (Word) -> Double) -> [Double] {
        // Words are sorted by position and disjoint; walk both lists together.
        var out = [Double](repeating: 0, count: offsets.count)
        let order = offsets.indices.sorted { offsets[$0].lowerBound < offsets[$1].lowerBound }
        var w = 0
        for k in order {
            let r = offsets[k]
            guard !r.isEmpty else { continue }
            while w < words.count, words[w].range.upperBound <= r.lowerBound { w += 1 }
            var best: Double? = nil
            var v = w
            while v < words.count, words[v].range.lowerBound < r.upperBound {
                let s = score(words[v])
                best = max(best ?? s, s)
                v += 1
            }
            out[k] = best ?? 0
        }
        return out
    }
}
