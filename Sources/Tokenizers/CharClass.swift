/// Unicode classes used by the Oniguruma split patterns of tokenizer.json:
/// `\p{L}` (letters: Lu Ll Lt Lm Lo), `\p{N}` (numbers: Nd Nl No) and `\s` (White_Space).
/// A table covers the BMP so the hot path is one load; other planes ask the Unicode properties.
enum CharClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let space: UInt8 = 4
    /// Rust `\w` (Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control):
    /// used by `single_word` added tokens.
    static let word: UInt8 = 8

    static let bmp: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 {
            guard let s = Unicode.Scalar(UInt32(v)) else { continue }
            t[v] = compute(s)
        }
        return t
    }()

    static func compute(_ s: Unicode.Scalar) -> UInt8 {
        let p = s.properties
        var c: UInt8 = 0
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            c |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            c |= number
        default: break
        }
        if p.isWhitespace { c |= space }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            c |= word
        default:
            if p.isAlphabetic || p.isJoinControl { c |= word }
        }
        return c
    }

    @inline(__always)
    static func of(_ v: UInt32) -> UInt8 {
        if v < 0x10000 { return bmp[Int(v)] }
        guard let s = Unicode.Scalar(v) else { return 0 }
        return compute(s)
    }
    @inline(__always) static func isLetter(_ v: UInt32) -> Bool { of(v) & letter != 0 }
    @inline(__always) static func isNumber(_ v: UInt32) -> Bool { of(v) & number != 0 }
    @inline(__always) static func isSpace(_ v: UInt32) -> Bool { of(v) & space != 0 }
    @inline(__always) static func isWord(_ v: UInt32) -> Bool { of(v) & word != 0 }
}
