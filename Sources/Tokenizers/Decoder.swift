import Foundation

/// tokenizer.json `decoder`: turns token strings back into text. Each step maps a list of
/// strings to a list of strings, as tokenizers' `decode_chain`; the results are concatenated.
indirect enum Decoder {
    case sequence([Decoder])
    case byteLevel
    case byteFallback
    case fuse
    case replace(pattern: String, content: String)
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case metaspace(replacement: Unicode.Scalar, prependFirst: Bool)
    case wordPiece(prefix: String, cleanup: Bool)

    static func parse(_ j: JSONNode) throws -> Decoder? {
        if j.isNull { return nil }
        let type = try j.required("type").string()
        switch type {
        case "Sequence": return .sequence(try j.required("decoders").array().compactMap { try parse($0) })
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Replace":
            let pattern = try j.required("pattern")
            guard let lit = pattern["String"].optString else {
                throw TokenizerError.unsupportedRegex(component: "Replace decoder", pattern: pattern["Regex"].optString ?? "?")
            }
            return .replace(pattern: lit, content: try j.required("content").string())
        case "Strip":
            let c = try j.required("content").string()
            guard let ch = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { throw j["content"].fail("must be one character") }
            return .strip(content: ch, start: try j.required("start").int(), stop: try j.required("stop").int())
        case "Metaspace":
            let r = try j.required("replacement").string()
            guard let ch = r.unicodeScalars.first, r.unicodeScalars.count == 1 else { throw j["replacement"].fail("must be one character") }
            var first = true
            if let s = j["prepend_scheme"].optString { first = s != "never" }
            if !j["add_prefix_space"].isNull, try !j["add_prefix_space"].bool(default: true) { first = false }
            return .metaspace(replacement: ch, prependFirst: first)
        case "WordPiece":
            return .wordPiece(prefix: j["prefix"].optString ?? "##", cleanup: try j["cleanup"].bool(default: true))
        default: throw TokenizerError.unsupportedType(component: "decoder", type: type)
        }
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .sequence(let list):
            var t = tokens
            for d in list { t = d.decodeChain(t) }
            return t
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens {
                let start = bytes.count
                var ok = true
                for u in t.unicodeScalars {
                    let v = Int(u.value)
                    guard v < ByteLevelMap.charToByteTable.count, ByteLevelMap.charToByteTable[v] >= 0 else { ok = false; break }
                    bytes.append(UInt8(ByteLevelMap.charToByteTable[v]))
                }
                if !ok {
                    bytes.removeSubrange(start...)
                    bytes.append(contentsOf: Array(t.utf8))
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(s)
                } else {
                    for _ in pending { out.append("\u{FFFD}") }
                }
                pending.removeAll()
            }
            for t in tokens {
                if let b = Decoder.fallbackByte(t) {
                    pending.append(b)
                } else {
                    flush()
                    out.append(t)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .replace(let pattern, let content):
            let p = Array(pattern.utf8), c = Array(content.utf8)
            return tokens.map { replaceBytes($0, p, c) }
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                let chars = Array(t.unicodeScalars)
                var lo = 0
                for i in 0..<min(start, chars.count) { if chars[i] == content { lo = i + 1 } else { break } }
                var hi = chars.count
                for i in 0..<min(stop, chars.count) {
                    let k = chars.count - i - 1
                    if chars[k] == content { hi = k } else { break }
                }
                var v = String.UnicodeScalarView()
                if hi > lo { v.append(contentsOf: chars[lo..<hi]) }
                return String(v)
            }
        case .metaspace(let r, let prependFirst):
            return tokens.enumerated().map { i, t in
                var s = String.UnicodeScalarView()
                for c in t.unicodeScalars {
                    if c == r { if !(i == 0 && prependFirst) { s.append(" ") } } else { s.append(c) }
                }
                return String(s)
            }
        case .wordPiece(let prefix, let cleanup):
            // Per token, as tokenizers' WordPiece decoder: drop the prefix of continuation pieces,
            // a space before the others (not the first), then the cleanup rewrite of that token.
            return tokens.enumerated().map { i, t in
                var s = t
                if i != 0 {
                    // Byte-wise: "##" followed by a combining mark is one Character in Swift.
                    if !prefix.isEmpty && t.utf8.starts(with: prefix.utf8) {
                        s = String(decoding: t.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                    } else {
                        s = " " + t
                    }
                }
                if cleanup { for (a, b) in Decoder.wordPieceCleanup { s = replaceBytes(s, a, b) } }
                return s
            }
        }
    }

    private static let wordPieceCleanup: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// `<0xXX>` → XX, exactly as tokenizers recognises byte tokens (6 characters).
    static func fallbackByte(_ t: String) -> UInt8? {
        let u = Array(t.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}

/// Rust/Python `str.replace` of every non-overlapping occurrence, left to right, on UTF-8 bytes.
func replaceBytes(_ s: String, _ pat: [UInt8], _ content: [UInt8]) -> String {
    guard let f = pat.first else { return s }
    var u = Array(s.utf8)
    guard u.count >= pat.count, u.contains(f) else { return s }
    var out = [UInt8]()
    out.reserveCapacity(u.count + 8)
    var i = 0
    var changed = false
    u.withUnsafeMutableBufferPointer { b in
        let n = b.count
        while i < n {
            if b[i] == f && i + pat.count <= n {
                var ok = true
                var k = 1
                while k < pat.count { if b[i + k] != pat[k] { ok = false; break }; k += 1 }
                if ok { out.append(contentsOf: content); i += pat.count; changed = true; continue }
            }
            out.append(b[i])
            i += 1
        }
    }
    return changed ? String(decoding: out, as: UTF8.self) : s
}
