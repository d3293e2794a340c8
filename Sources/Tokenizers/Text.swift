/// Text as the encoder sees it: Unicode scalars, each remembering which scalar of the user's input
/// it came from (`origin`). Normalizers and pre-tokenizers that rewrite text (Prepend, Replace,
/// Metaspace) keep origins, so token offsets in the input can be reported later.
struct TextBuffer {
    var s: [UInt32]
    var o: [Int32]
}

/// A piece of a buffer still to be tokenised by the model (tokenizers' `Split`), or an added token.
struct Piece {
    var buf: Int
    var lo: Int
    var hi: Int
    /// Set when the piece is an added token matched in the text.
    var addedId: Int = -1
}

extension String {
    @inline(__always) var scalarValues: [UInt32] { unicodeScalars.map { $0.value } }
}

extension Array where Element == UInt32 {
    var asString: String {
        var v = String.UnicodeScalarView()
        for c in self { if let u = Unicode.Scalar(c) { v.append(u) } }
        return String(v)
    }
}

/// GPT-2's reversible byte ↔ printable-character map used by byte-level BPE.
enum ByteLevelMap {
    static let byteToChar: [UInt32] = {
        var bs: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var cs = bs.map { UInt32($0) }
        var n: UInt32 = 0
        for b in 0..<256 where !bs.contains(b) {
            bs.append(b)
            cs.append(256 + n)
            n += 1
        }
        var table = [UInt32](repeating: 0, count: 256)
        for (b, c) in zip(bs, cs) { table[b] = c }
        return table
    }()
    /// Scalar value → byte (or -1), for scalars below 512 (all GPT-2 byte characters are).
    static let charToByteTable: [Int16] = {
        var t = [Int16](repeating: -1, count: 512)
        for (b, c) in byteToChar.enumerated() { t[Int(c)] = Int16(b) }
        return t
    }()
    static let charToByte: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for (b, c) in byteToChar.enumerated() { d[c] = UInt8(b) }
        return d
    }()
}

/// Appends the UTF-8 encoding of scalar `c` to `out`.
@inline(__always)
func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
    if c < 0x80 {
        out.append(UInt8(c))
    } else if c < 0x800 {
        out.append(UInt8(0xC0 | (c >> 6)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    } else if c < 0x10000 {
        out.append(UInt8(0xE0 | (c >> 12)))
        out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (c >> 18)))
        out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    }
}
