import Foundation

/// tokenizer.json `normalizer`: rewrites text before pre-tokenisation, keeping origins.
indirect enum Normalizer {
    case sequence([Normalizer])
    case prepend([UInt32])
    case replace(pattern: [UInt32], content: [UInt32])
    /// Replace with the regex `c{n,}` (a run of at least n of one character), e.g. XLM-R's ` {2,}`.
    case replaceRun(scalar: UInt32, atLeast: Int, content: [UInt32])
    case precompiled(PrecompiledCharsmap)
    case lowercase
    case strip(left: Bool, right: Bool)
    case unicode(Form)
    case bert(BertNormalizer)

    enum Form { case nfc, nfd, nfkc, nfkd }

    static func parse(_ j: JSONNode) throws -> Normalizer? {
        if j.isNull { return nil }
        let type = try j.required("type").string()
        switch type {
        case "Sequence":
            return .sequence(try j.required("normalizers").array().compactMap { try parse($0) })
        case "Prepend":
            return .prepend(try j.required("prepend").string().scalarValues)
        case "Replace":
            let pattern = try j.required("pattern")
            let content = try j.required("content").string().scalarValues
            guard let lit = pattern["String"].optString else {
                let rx = pattern["Regex"].optString ?? "?"
                if let (c, n) = runPattern(rx) { return .replaceRun(scalar: c, atLeast: n, content: content) }
                throw TokenizerError.unsupportedRegex(component: "Replace normalizer", pattern: rx)
            }
            return .replace(pattern: lit.scalarValues, content: content)
        case "Precompiled":
            return .precompiled(try PrecompiledCharsmap(base64: try j.required("precompiled_charsmap").string()))
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(left: try j["strip_left"].bool(default: true), right: try j["strip_right"].bool(default: true))
        case "NFC": return .unicode(.nfc)
        case "NFD": return .unicode(.nfd)
        case "NFKC": return .unicode(.nfkc)
        case "NFKD": return .unicode(.nfkd)
        case "BertNormalizer": return .bert(try BertNormalizer(j))
        default: throw TokenizerError.unsupportedType(component: "normalizer", type: type)
        }
    }

    /// `c{n,}` for a character c that is not a regex metacharacter.
    static func runPattern(_ rx: String) -> (UInt32, Int)? {
        let s = rx.scalarValues
        guard s.count >= 5, s[1] == 0x7B, s[s.count - 2] == 0x2C, s[s.count - 1] == 0x7D,
              !Array("\\.^$|?*+()[]{}".unicodeScalars.map { $0.value }).contains(s[0]),
              let n = Int(Array(s[2..<(s.count - 2)]).asString), n >= 1 else { return nil }
        return (s[0], n)
    }

    /// The normalizer's effect on a bare string (used for `normalized` added tokens).
    func apply(_ s: [UInt32]) -> [UInt32] {
        normalize(TextBuffer(s: s, o: [Int32](repeating: 0, count: s.count))).s
    }

    func normalize(_ b: TextBuffer) -> TextBuffer {
        switch self {
        case .sequence(let list):
            var x = b
            for n in list { x = n.normalize(x) }
            return x
        case .prepend(let p):
            guard let first = b.o.first else { return b }
            return TextBuffer(s: p + b.s, o: [Int32](repeating: first, count: p.count) + b.o)
        case .replace(let pat, let content):
            return Normalizer.replaceAll(b, pat, content)
        case .lowercase:
            var out = TextBuffer(s: [], o: [])
            out.s.reserveCapacity(b.s.count)
            out.o.reserveCapacity(b.s.count)
            for (c, o) in zip(b.s, b.o) {
                guard let u = Unicode.Scalar(c) else { continue }
                if c < 0x80 {
                    out.s.append(c >= 0x41 && c <= 0x5A ? c + 32 : c); out.o.append(o)
                } else {
                    for l in u.properties.lowercaseMapping.unicodeScalars { out.s.append(l.value); out.o.append(o) }
                }
            }
            return out
        case .strip(let left, let right):
            var lo = 0, hi = b.s.count
            if left { while lo < hi && CharClass.isSpace(b.s[lo]) { lo += 1 } }
            if right { while hi > lo && CharClass.isSpace(b.s[hi - 1]) { hi -= 1 } }
            return TextBuffer(s: Array(b.s[lo..<hi]), o: Array(b.o[lo..<hi]))
        case .bert(let n):
            return n.normalize(b)
        case .precompiled(let p):
            return p.normalize(b)
        case .replaceRun(let c, let n, let content):
            return Normalizer.replaceRuns(b, c, n, content)
        case .unicode(let form):
            // The whole piece is normalised at once (exact text); origins of changed text are
            // approximated proportionally, which only matters for offsets.
            let str = b.s.asString
            let n: String
            switch form {
            case .nfc: n = str.precomposedStringWithCanonicalMapping
            case .nfd: n = str.decomposedStringWithCanonicalMapping
            case .nfkc: n = str.precomposedStringWithCompatibilityMapping
            case .nfkd: n = str.decomposedStringWithCompatibilityMapping
            }
            let s = n.scalarValues
            if s == b.s { return b }
            let o: [Int32] = (0..<s.count).map { i in
                b.o.isEmpty ? 0 : b.o[min(b.o.count - 1, i * b.o.count / max(1, s.count))]
            }
            return TextBuffer(s: s, o: o)
        }
    }

    /// Each maximal run of at least n `c` becomes `content`, whose scalars take the origin of the
    /// run's last scalar (`NormalizedString::replace` inserts the content after removing the match).
    static func replaceRuns(_ b: TextBuffer, _ c: UInt32, _ n: Int, _ content: [UInt32]) -> TextBuffer {
        var out = TextBuffer(s: [], o: [])
        out.s.reserveCapacity(b.s.count)
        out.o.reserveCapacity(b.s.count)
        var i = 0
        while i < b.s.count {
            var j = i
            while j < b.s.count && b.s[j] == c { j += 1 }
            if j - i >= n {
                for x in content { out.s.append(x); out.o.append(b.o[j - 1]) }
                i = j
            } else if j > i {
                out.s.append(contentsOf: b.s[i..<j]); out.o.append(contentsOf: b.o[i..<j])
                i = j
            } else {
                out.s.append(b.s[i]); out.o.append(b.o[i])
                i += 1
            }
        }
        return out
    }

    static func replaceAll(_ b: TextBuffer, _ pat: [UInt32], _ content: [UInt32]) -> TextBuffer {
        guard !pat.isEmpty, b.s.count >= pat.count else { return b }
        var out = TextBuffer(s: [], o: [])
        out.s.reserveCapacity(b.s.count + 8)
        out.o.reserveCapacity(b.s.count + 8)
        var i = 0
        let n = b.s.count
        while i < n {
            if b.s[i] == pat[0] && i + pat.count <= n {
                var ok = true
                for k in 1..<pat.count where b.s[i + k] != pat[k] { ok = false; break }
                if ok {
                    for c in content { out.s.append(c); out.o.append(b.o[i]) }
                    i += pat.count
                    continue
                }
            }
            out.s.append(b.s[i]); out.o.append(b.o[i])
            i += 1
        }
        return out
    }
}
