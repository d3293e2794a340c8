/// tokenizer.json `pre_tokenizer`: splits normalised text into pieces the model sees one by one.
indirect enum PreTokenizer {
    case sequence([PreTokenizer])
    /// Byte-level: optional prefix space and GPT-2 regex split. The byte → character mapping itself
    /// is applied by the model (it must be the last step; checked at load).
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(SplitPattern, Behavior, invert: Bool)
    case digits(individual: Bool)
    case metaspace(replacement: UInt32, scheme: PrependScheme, split: Bool)
    case whitespaceSplit
    /// BertPreTokenizer: split on whitespace (removed), then isolate each punctuation character.
    case bert

    enum Behavior: String { case removed, isolated, mergedWithPrevious, mergedWithNext, contiguous }
    enum PrependScheme: String { case always, first, never }

    static func parse(_ j: JSONNode) throws -> PreTokenizer? {
        if j.isNull { return nil }
        let type = try j.required("type").string()
        switch type {
        case "Sequence":
            return .sequence(try j.required("pretokenizers").array().compactMap { try parse($0) })
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try j["add_prefix_space"].bool(default: true),
                              useRegex: try j["use_regex"].bool(default: true))
        case "Split":
            let pat = try j.required("pattern")
            let pattern: SplitPattern
            if let lit = pat["String"].optString {
                pattern = .literal(lit.scalarValues)
            } else if let rx = pat["Regex"].optString {
                guard let p = SplitPattern.regex(rx) else {
                    throw TokenizerError.unsupportedRegex(component: "Split pre-tokenizer", pattern: rx)
                }
                pattern = p
            } else {
                throw pat.fail("must hold a String or Regex")
            }
            let bname = try j.required("behavior").string()
            let map: [String: Behavior] = [
                "Removed": .removed, "Isolated": .isolated, "MergedWithPrevious": .mergedWithPrevious,
                "MergedWithNext": .mergedWithNext, "Contiguous": .contiguous,
            ]
            guard let behavior = map[bname] else { throw j["behavior"].fail("unknown behavior '\(bname)'") }
            return .split(pattern, behavior, invert: try j["invert"].bool(default: false))
        case "Digits":
            return .digits(individual: try j["individual_digits"].bool(default: false))
        case "Metaspace":
            let r = try j.required("replacement").string().scalarValues
            guard r.count == 1 else { throw j["replacement"].fail("must be one character") }
            var scheme = PrependScheme.always
            if let s = j["prepend_scheme"].optString {
                guard let v = PrependScheme(rawValue: s) else { throw j["prepend_scheme"].fail("unknown '\(s)'") }
                scheme = v
            }
            if !j["add_prefix_space"].isNull, try !j["add_prefix_space"].bool(default: true) { scheme = .never }
            return .metaspace(replacement: r[0], scheme: scheme, split: try j["split"].bool(default: true))
        case "WhitespaceSplit":
            return .whitespaceSplit
        case "BertPreTokenizer":
            return .bert
        default:
            throw TokenizerError.unsupportedType(component: "pre-tokenizer", type: type)
        }
    }

    /// Whether this pre-tokenizer ends with ByteLevel (so the model maps bytes to characters).
    /// Throws when ByteLevel is followed by other steps, which this implementation does not handle.
    func endsWithByteLevel() throws -> Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let list):
            for (i, p) in list.enumerated() where try p.endsWithByteLevel() && i != list.count - 1 {
                throw TokenizerError.unsupportedType(component: "pre-tokenizer",
                                                     type: "Sequence with ByteLevel before other steps")
            }
            return try list.last?.endsWithByteLevel() ?? false
        default: return false
        }
    }

    func apply(_ pieces: inout [Piece], _ buffers: inout [TextBuffer], _ seg: inout [(Int, Int, Bool)]) {
        if case .sequence(let list) = self {
            for p in list { p.apply(&pieces, &buffers, &seg) }
            return
        }
        var out: [Piece] = []
        out.reserveCapacity(pieces.count * 2)
        for piece in pieces {
            if piece.addedId >= 0 { out.append(piece); continue }
            splitPiece(piece, &buffers, &seg, &out)
        }
        pieces = out
    }

    private func splitPiece(_ p: Piece, _ buffers: inout [TextBuffer], _ seg: inout [(Int, Int, Bool)],
                            _ out: inout [Piece]) {
        var p = p
        switch self {
        case .sequence: fatalError("handled by apply")
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace && p.hi > p.lo && buffers[p.buf].s[p.lo] != 0x20 {
                p = PreTokenizer.prepend([0x20], to: p, &buffers)
            }
            if useRegex {
                SplitPattern.gpt2.segments(buffers[p.buf].s, p.lo, p.hi, into: &seg)
                PreTokenizer.emit(seg, .isolated, invert: false, buf: p.buf, &out)
            } else if p.hi > p.lo {
                out.append(p)
            }
        case .split(let pattern, let behavior, let invert):
            pattern.segments(buffers[p.buf].s, p.lo, p.hi, into: &seg)
            PreTokenizer.emit(seg, behavior, invert: invert, buf: p.buf, &out)
        case .digits(let individual):
            SplitPattern.scalar { CharClass.isNumber($0) }.segments(buffers[p.buf].s, p.lo, p.hi, into: &seg)
            PreTokenizer.emit(seg, individual ? .isolated : .contiguous, invert: false, buf: p.buf, &out)
        case .whitespaceSplit:
            SplitPattern.scalar { CharClass.isSpace($0) }.segments(buffers[p.buf].s, p.lo, p.hi, into: &seg)
            PreTokenizer.emit(seg, .removed, invert: false, buf: p.buf, &out)
        case .bert:
            SplitPattern.scalar { CharClass.isSpace($0) }.segments(buffers[p.buf].s, p.lo, p.hi, into: &seg)
            var words: [Piece] = []
            PreTokenizer.emit(seg, .removed, invert: false, buf: p.buf, &words)
            for w in words {
                SplitPattern.scalar { BertText.isPunctuation($0) }.segments(buffers[w.buf].s, w.lo, w.hi, into: &seg)
                PreTokenizer.emit(seg, .isolated, invert: false, buf: w.buf, &out)
            }
        case .metaspace(let r, let scheme, let split):
            guard p.hi > p.lo else { return }
            // Replace ' ' by the replacement, then maybe prepend it, in a fresh buffer.
            let src = buffers[p.buf]
            var b = TextBuffer(s: Array(src.s[p.lo..<p.hi]), o: Array(src.o[p.lo..<p.hi]))
            for i in 0..<b.s.count where b.s[i] == 0x20 { b.s[i] = r }
            let prepend: Bool
            switch scheme {
            case .always: prepend = b.s[0] != r
            case .first: prepend = b.s[0] != r && b.o[0] == 0
            case .never: prepend = false
            }
            if prepend { b.s.insert(r, at: 0); b.o.insert(b.o[0], at: 0) }
            buffers.append(b)
            let q = Piece(buf: buffers.count - 1, lo: 0, hi: b.s.count)
            if split {
                SplitPattern.scalar { $0 == r }.segments(b.s, 0, b.s.count, into: &seg)
                PreTokenizer.emit(seg, .mergedWithNext, invert: false, buf: q.buf, &out)
            } else {
                out.append(q)
            }
        }
    }

    static func prepend(_ prefix: [UInt32], to p: Piece, _ buffers: inout [TextBuffer]) -> Piece {
        let src = buffers[p.buf]
        let first = src.o[p.lo]
        let b = TextBuffer(s: prefix + src.s[p.lo..<p.hi],
                           o: [Int32](repeating: first, count: prefix.count) + src.o[p.lo..<p.hi])
        buffers.append(b)
        return Piece(buf: buffers.count - 1, lo: 0, hi: b.s.count)
    }

    /// tokenizers' `NormalizedString::split`: turns match segments into pieces by behaviour.
    static func emit(_ seg: [(Int, Int, Bool)], _ behavior: Behavior, invert: Bool, buf: Int, _ out: inout [Piece]) {
        @inline(__always) func push(_ lo: Int, _ hi: Int) {
            if hi > lo { out.append(Piece(buf: buf, lo: lo, hi: hi)) }
        }
        switch behavior {
        case .isolated:
            for (lo, hi, _) in seg { push(lo, hi) }
        case .removed:
            for (lo, hi, m) in seg where m == invert { push(lo, hi) }
        case .contiguous, .mergedWithPrevious:
            var acc: [(Int, Int)] = []
            var prev = false
            for (lo, hi, m0) in seg {
                let m = m0 != invert
                let merge = behavior == .contiguous ? (m == prev) : (m && !prev)
                if merge, !acc.isEmpty { acc[acc.count - 1].1 = hi } else { acc.append((lo, hi)) }
                prev = m
            }
            for (lo, hi) in acc { push(lo, hi) }
        case .mergedWithNext:
            var acc: [(Int, Int)] = []
            var prev = false
            for (lo, hi, m0) in seg.reversed() {
                let m = m0 != invert
                if m && !prev, !acc.isEmpty { acc[acc.count - 1].0 = lo } else { acc.append((lo, hi)) }
                prev = m
            }
            for (lo, hi) in acc.reversed() { push(lo, hi) }
        }
    }
}
