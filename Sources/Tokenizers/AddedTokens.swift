/// Added (and special) tokens from tokenizer.json `added_tokens`, matched in the text before the
/// model runs, as tokenizers' `AddedVocabulary`: leftmost-longest matches, `single_word`,
/// `lstrip`/`rstrip` (swallow neighbouring whitespace), and `normalized` tokens matched on the
/// normalised text while the others are matched on the raw input.
struct AddedToken {
    var content: String
    var id: Int
    var special: Bool
    var lstrip: Bool
    var rstrip: Bool
    var singleWord: Bool
    var normalized: Bool

    init(_ j: JSONNode) throws {
        content = try j.required("content").string()
        id = try j.required("id").int()
        special = try j["special"].bool(default: false)
        lstrip = try j["lstrip"].bool(default: false)
        rstrip = try j["rstrip"].bool(default: false)
        singleWord = try j["single_word"].bool(default: false)
        normalized = try j["normalized"].bool(default: !special)
    }
}

/// Leftmost-longest matcher over a set of token patterns.
struct AddedTokenMatcher {
    /// First scalar → (pattern, token index), longest pattern first.
    private var byFirst: [UInt32: [([UInt32], Int)]] = [:]
    /// Quick reject: scalars (mod 4096) that start some pattern.
    private var firstMask = [Bool](repeating: false, count: 4096)
    let tokens: [AddedToken]
    var isEmpty: Bool { byFirst.isEmpty }

    init(tokens: [AddedToken], patterns: [[UInt32]]) {
        self.tokens = tokens
        for (i, p) in patterns.enumerated() where !p.isEmpty {
            byFirst[p[0], default: []].append((p, i))
            firstMask[Int(p[0] & 4095)] = true
        }
        for k in byFirst.keys { byFirst[k]!.sort { $0.0.count > $1.0.count } }
    }

    /// Splits `buf[lo..<hi]` into text pieces and added-token pieces (tokenizers' `find_matches`).
    func split(_ piece: Piece, _ b: TextBuffer, into out: inout [Piece]) {
        let s = b.s, lo = piece.lo, hi = piece.hi
        guard !isEmpty, hi > lo else { out.append(piece); return }
        var startOffset = lo
        var i = lo
        while i < hi {
            guard firstMask[Int(s[i] & 4095)], let cands = byFirst[s[i]] else { i += 1; continue }
            var found = -1, foundLen = 0
            for (p, t) in cands where i + p.count <= hi {
                var ok = true
                for k in 1..<p.count where s[i + k] != p[k] { ok = false; break }
                if ok { found = t; foundLen = p.count; break }
            }
            guard found >= 0 else { i += 1; continue }
            var start = i
            var stop = i + foundLen
            i = stop  // matching resumes after the match even when it is discarded
            let tok = tokens[found]
            if tok.singleWord {
                let startSpace = start == lo || !CharClass.isWord(s[start - 1])
                let stopSpace = stop == hi || !CharClass.isWord(s[stop])
                if !startSpace || !stopSpace { continue }
            }
            if tok.lstrip {
                var ns = start
                while ns > lo && CharClass.isSpace(s[ns - 1]) { ns -= 1 }
                start = max(ns, startOffset)
            }
            if tok.rstrip {
                while stop < hi && CharClass.isSpace(s[stop]) { stop += 1 }
            }
            if startOffset < start { out.append(Piece(buf: piece.buf, lo: startOffset, hi: start)) }
            out.append(Piece(buf: piece.buf, lo: start, hi: stop, addedId: tok.id))
            startOffset = stop
        }
        if startOffset < hi { out.append(Piece(buf: piece.buf, lo: startOffset, hi: hi)) }
    }
}
