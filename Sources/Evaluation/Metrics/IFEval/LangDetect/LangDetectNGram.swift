import Foundation

/// langdetect's text preparation (`Detector.append`, `cleaning_text`) and n-gram extraction
/// (`NGram.normalize`, `add_char`, `_extract_ngrams`).
extension LangDetectProfiles {
    private static let url = try! NSRegularExpression(pattern: "https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}")
    private static let mail = try! NSRegularExpression(
        pattern: "[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}")

    /// `Detector.append(text)` then `cleaning_text()`.
    func prepare(_ text: String) -> [Unicode.Scalar] {
        var t = text
        for r in [Self.url, Self.mail] {
            t = r.stringByReplacingMatches(in: t, range: NSRange(location: 0, length: (t as NSString).length), withTemplate: " ")
        }
        let v = normalizeVietnamese(Array(t.unicodeScalars))
        var out: [Unicode.Scalar] = []
        var pre: Unicode.Scalar? = nil
        for ch in v.prefix(10_000) {
            if ch != " " || pre != " " { out.append(ch) }
            pre = ch
        }
        // cleaning_text: its block test compares an int with a string, so every code point from
        // U+0300 up counts as non-Latin.
        var latin = 0, nonLatin = 0
        for ch in out {
            if ch.value >= 0x41 && ch.value <= 0x7A { latin += 1 } else if ch.value >= 0x300 { nonLatin += 1 }
        }
        if latin * 2 < nonLatin { out = out.filter { $0.value < 0x41 || $0.value > 0x7A } }
        return out
    }

    /// `NGram.normalize_vi`: a base letter followed by a combining mark becomes the precomposed letter.
    func normalizeVietnamese(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if i + 1 < s.count, let a = viBase.firstIndex(of: s[i]), let m = viMarks.firstIndex(of: s[i + 1]) {
                out.append(viNormalized[m][a]); i += 2
            } else { out.append(s[i]); i += 1 }
        }
        return out
    }

    /// `NGram.normalize(ch)`.
    func normalize(_ ch: Unicode.Scalar) -> Unicode.Scalar {
        let v = ch.value
        switch v {
        case 0...0x7F:
            return (v < 0x41 || (v > 0x5A && v < 0x61) || v > 0x7A) ? " " : ch
        case 0x80...0xFF: return latin1Excluded.contains(ch) ? " " : ch
        case 0x180...0x24F:
            if v == 0x219 { return "\u{15F}" }
            if v == 0x21B { return "\u{163}" }
            return ch
        case 0x2000...0x206F: return " "
        case 0x600...0x6FF: return v == 0x6CC ? "\u{64A}" : ch
        case 0x1E00...0x1EFF: return v >= 0x1EA0 ? "\u{1EC3}" : ch
        case 0x3040...0x309F: return "\u{3042}"
        case 0x30A0...0x30FF: return "\u{30A2}"
        case 0x3100...0x312F, 0x31A0...0x31BF: return "\u{3105}"
        case 0x4E00...0x9FFF: return cjkMap[ch] ?? ch
        case 0xAC00...0xD7AF: return "\u{AC00}"
        default: return ch
        }
    }

    /// `_extract_ngrams`: 1- to 3-grams of the normalised text that the profiles know, skipping
    /// positions inside a run of capitals.
    func ngrams(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var result: [[Unicode.Scalar]] = []
        var grams: [Unicode.Scalar] = [" "]
        var capital = false
        for raw in text {
            let ch = normalize(raw)
            let last = grams[grams.count - 1]
            var skip = false
            if last == " " {
                grams = [" "]
                capital = false
                if ch == " " { skip = true }
            } else if grams.count >= 3 {
                grams.removeFirst()
            }
            if !skip {
                grams.append(ch)
                if PyText.isUpper([ch]) {
                    if PyText.isUpper([last]) { capital = true }
                } else { capital = false }
            }
            if capital { continue }
            for n in 1...3 {
                if grams.count < n { break }
                let w = Array(grams[(grams.count - n)...])
                if w != [" "] && wordLangProb[w] != nil { result.append(w) }
            }
        }
        return result
    }
}
