import Foundation

/// tokenizer.json `Precompiled` normaliser: SentencePiece's compiled normalisation rules
/// (`precompiled_charsmap`, e.g. nmt_nfkc) applied as the `tokenizers` library applies them.
///
/// The blob is a little-endian u32 byte size of a darts-clone double-array trie, the trie's u32
/// units, then a pool of NUL-terminated replacement strings. A trie value is the pool offset of
/// the replacement. Lookup (`transform`) takes the *shortest* key that is a prefix of the chunk and
/// replaces the whole chunk by it, as `spm_precompiled` does. Text is visited by extended grapheme
/// cluster: a cluster under 6 UTF-8 bytes is looked up whole; otherwise (or when it has no entry)
/// each scalar is looked up alone.
struct PrecompiledCharsmap {
    private let units: [UInt32]
    private let pool: [UInt8]

    init(base64: String) throws {
        guard let data = Data(base64Encoded: base64) else {
            throw TokenizerError.invalidField(file: "tokenizer.json", field: "normalizer.precompiled_charsmap",
                                              reason: "is not base64")
        }
        try self.init(bytes: [UInt8](data))
    }

    init(bytes b: [UInt8]) throws {
        func bad(_ r: String) -> TokenizerError {
            TokenizerError.invalidField(file: "tokenizer.json", field: "normalizer.precompiled_charsmap", reason: r)
        }
        guard b.count >= 4 else { throw bad("is shorter than its 4-byte header") }
        let size = Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
        guard size % 4 == 0, size >= 4, 4 + size <= b.count else { throw bad("trie size \(size) does not fit the blob") }
        var u = [UInt32](repeating: 0, count: size / 4)
        for i in 0..<u.count {
            let p = 4 + 4 * i
            u[i] = UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
        }
        units = u
        pool = Array(b[(4 + size)...])
        guard String(decoding: pool, as: UTF8.self).utf8.elementsEqual(pool) else { throw bad("replacement pool is not UTF-8") }
    }

    // darts-clone unit fields.
    @inline(__always) private static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ u: UInt32) -> Int { Int(u & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ u: UInt32) -> UInt32 { u & 0x8000_00FF }
    @inline(__always) private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }

    /// Pool offset of the replacement of the shortest trie key that prefixes `key`, if any.
    func firstPrefixValue(_ key: ArraySlice<UInt8>) -> Int? {
        guard !units.isEmpty else { return nil }
        var node = Self.offset(units[0])
        for c in key {
            if c == 0 { return nil }
            node ^= Int(c)
            guard node < units.count else { return nil }
            let u = units[node]
            if Self.label(u) != UInt32(c) { return nil }
            node ^= Self.offset(u)
            if Self.hasLeaf(u) {
                guard node < units.count else { return nil }
                return Self.value(units[node])
            }
        }
        return nil
    }

    /// The replacement scalars for a chunk given as UTF-8 bytes, or nil when no rule applies.
    func transform(_ key: ArraySlice<UInt8>) -> [UInt32]? {
        guard let start = firstPrefixValue(key), start <= pool.count else { return nil }
        var end = start
        while end < pool.count && pool[end] != 0 { end += 1 }
        return String(decoding: pool[start..<end], as: UTF8.self).scalarValues
    }

    /// Normalises a buffer, keeping origins as `NormalizedString::transform` aligns them: each output
    /// scalar is (scalar, change) — change 0 consumes one input scalar, 1 is inserted (origin of the
    /// scalar before it), -k consumes 1 + k. A replacement that shrinks puts the whole difference on
    /// the last pushed entry, even one of an earlier cluster when the replacement is empty.
    func normalize(_ b: TextBuffer) -> TextBuffer {
        guard !b.s.isEmpty else { return b }
        var changes: [(UInt32, Int)] = []
        changes.reserveCapacity(b.s.count + 8)
        var modified = false
        var bytes: [UInt8] = []
        func replace(_ oldCount: Int, _ new: [UInt32]) {
            modified = true
            for c in new { changes.append((c, 0)) }
            let diff = new.count - oldCount
            if diff > 0 {
                for k in (changes.count - diff)..<changes.count { changes[k].1 = 1 }
            } else if diff < 0, !changes.isEmpty {
                changes[changes.count - 1].1 += diff
            }
        }
        var i = 0
        for ch in b.s.asString {
            let n = ch.unicodeScalars.count
            bytes.removeAll(keepingCapacity: true)
            for k in i..<(i + n) { appendUTF8(b.s[k], to: &bytes) }
            if bytes.count < 6, let r = transform(bytes[...]) {
                replace(n, r)
            } else {
                var p = 0
                for k in i..<(i + n) {
                    let len = utf8Length(b.s[k])
                    if let r = transform(bytes[p..<(p + len)]) { replace(1, r) } else { changes.append((b.s[k], 0)) }
                    p += len
                }
            }
            i += n
        }
        guard modified else { return b }
        var out = TextBuffer(s: [], o: [])
        out.s.reserveCapacity(changes.count)
        out.o.reserveCapacity(changes.count)
        var idx = 0
        let last = b.o.count - 1
        for (c, change) in changes {
            out.s.append(c)
            if change > 0 {
                out.o.append(b.o[max(0, min(idx - 1, last))])
            } else {
                out.o.append(b.o[min(idx, last)])
                idx += 1 - change
            }
        }
        return out
    }
}
