import Foundation

/// BERT's text rules as tokenizers implements them (`BertNormalizer`, `BertPreTokenizer`).
///
/// tokenizers classifies "control" and "punctuation" with the `unicode_categories` crate, whose
/// tables are from Unicode 8.0; characters assigned later are neither (measured against tokenizers
/// 0.21.4 over every code point: scripts/reference/wordpiece_goldens.py writes the table the tests
/// check). Two characters changed category since 8.0 and keep the old one here.
enum BertText {
    /// Characters whose general category differs from Unicode 8.0's Po.
    static let formerPunctuation: Set<UInt32> = [0x166D, 0x111C9]

    static func assignedBy8(_ u: Unicode.Scalar) -> Bool {
        guard let age = u.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// `is_control`: Cc, Cf, Co (Cs cannot occur in Swift strings), except tab, newline, return.
    static func isControl(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D { return false }
        guard let u = Unicode.Scalar(c) else { return false }
        switch u.properties.generalCategory {
        case .control, .privateUse, .surrogate: return true
        case .format: return assignedBy8(u)
        default: return false
        }
    }

    static func isWhitespace(_ c: UInt32) -> Bool {
        c == 0x09 || c == 0x0A || c == 0x0D || CharClass.isSpace(c)
    }

    /// `is_bert_punc`: ASCII punctuation (including $ + < = > ^ ` | ~) or a Unicode P* character.
    static func isPunctuation(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60)
                || (c >= 0x7B && c <= 0x7E)
        }
        if formerPunctuation.contains(c) { return true }
        guard let u = Unicode.Scalar(c) else { return false }
        switch u.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return assignedBy8(u)
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT surrounds with spaces (`handle_chinese_chars`).
    static func isChinese(_ c: UInt32) -> Bool {
        switch c {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}

/// tokenizer.json `BertNormalizer`, in tokenizers' order: clean text, space out CJK ideographs,
/// strip accents (NFD, drop nonspacing marks; by default when lower-casing), lower-case. Each step
/// works scalar by scalar so every output scalar keeps the origin of the input scalar it came from.
struct BertNormalizer {
    let cleanText: Bool
    let handleChineseChars: Bool
    let stripAccents: Bool
    let lowercase: Bool

    init(_ j: JSONNode) throws {
        cleanText = try j["clean_text"].bool(default: true)
        handleChineseChars = try j["handle_chinese_chars"].bool(default: true)
        lowercase = try j["lowercase"].bool(default: true)
        stripAccents = try j["strip_accents"].bool(default: lowercase)
    }

    func normalize(_ b: TextBuffer) -> TextBuffer {
        var out = TextBuffer(s: [], o: [])
        out.s.reserveCapacity(b.s.count)
        out.o.reserveCapacity(b.s.count)
        for (c, o) in zip(b.s, b.o) {
            if cleanText {
                if c == 0 || c == 0xFFFD || BertText.isControl(c) { continue }
                if BertText.isWhitespace(c) { out.s.append(0x20); out.o.append(o); continue }
            }
            if handleChineseChars && BertText.isChinese(c) {
                out.s += [0x20, c, 0x20]; out.o += [o, o, o]
                continue
            }
            out.s.append(c); out.o.append(o)
        }
        if stripAccents { out = BertNormalizer.stripAccents(out) }
        if lowercase { out = Normalizer.lowercase.normalize(out) }
        return out
    }

    static func stripAccents(_ b: TextBuffer) -> TextBuffer {
        guard b.s.contains(where: { $0 >= 0x80 }) else { return b }
        var d = TextBuffer(s: [], o: [])
        d.s.reserveCapacity(b.s.count)
        d.o.reserveCapacity(b.s.count)
        for (c, o) in zip(b.s, b.o) {
            guard c >= 0x80, let u = Unicode.Scalar(c) else { d.s.append(c); d.o.append(o); continue }
            for x in String(Character(u)).decomposedStringWithCanonicalMapping.unicodeScalars {
                d.s.append(x.value); d.o.append(o)
            }
        }
        // Canonical ordering across scalars (NFD of the whole text): a stable sort of each run of
        // combining marks by combining class.
        var i = 0
        while i < d.s.count {
            guard ccc(d.s[i]) != 0 else { i += 1; continue }
            var j = i
            while j < d.s.count && ccc(d.s[j]) != 0 { j += 1 }
            if j - i > 1 {
                let run = (i..<j).map { (d.s[$0], d.o[$0]) }.enumerated()
                    .sorted { (ccc($0.element.0), $0.offset) < (ccc($1.element.0), $1.offset) }
                for (k, e) in run.enumerated() { d.s[i + k] = e.element.0; d.o[i + k] = e.element.1 }
            }
            i = j
        }
        var out = TextBuffer(s: [], o: [])
        out.s.reserveCapacity(d.s.count)
        out.o.reserveCapacity(d.s.count)
        for (c, o) in zip(d.s, d.o) {
            if c >= 0x300, let u = Unicode.Scalar(c), u.properties.generalCategory == .nonspacingMark { continue }
            out.s.append(c); out.o.append(o)
        }
        return out
    }

    @inline(__always) static func ccc(_ c: UInt32) -> UInt8 {
        guard c >= 0x300, let u = Unicode.Scalar(c) else { return 0 }
        return u.properties.canonicalCombiningClass.rawValue
    }
}
