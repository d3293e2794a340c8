import Foundation

/// tokenizer.json `model` of type BPE: vocabulary, ranked merges, byte fallback, unknown token.
/// Merging follows tokenizers' `Word::merge_all` exactly: a min-heap of (rank, position) over
/// adjacent symbol pairs in a linked list, skipping stale entries.
final class BPEModel {
    let vocab: [String: Int]
    let idToToken: [String?]
    /// (left id << 32 | right id) → rank, and rank → merged id.
    private let mergeRank: IntTable
    private let rankToId: [Int32]
    /// Single-scalar tokens, for the initial split of a word into characters.
    private let charId: IntTable
    /// Byte-level: id of each byte's GPT-2 character (-1 when absent from the vocabulary).
    private let byteCharId: [Int32]
    /// `<0xXX>` ids for byte fallback (-1 when absent).
    private let fallbackId: [Int32]
    let byteFallback: Bool
    let ignoreMerges: Bool
    let fuseUnk: Bool
    let unkId: Int?

    // Scratch state for one word; the owning Tokenizer serialises calls.
    private var sym: [Int32] = []
    /// Length of each symbol in UTF-8 bytes of the piece (for offsets), as tokenizers' `Symbol.len`.
    private var symLen: [Int32] = []
    /// When set, `tokenize` also appends each token's byte length to `lengths`.
    var collectLengths = false
    var lengths: [Int] = []
    private var unkLen: Int32 = 0
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var alive: [Bool] = []
    private var heap: [UInt64] = []
    private var bytes: [UInt8] = []

    init(_ j: JSONNode) throws {
        let type = try j.required("type").string()
        guard type == "BPE" else { throw TokenizerError.unsupportedType(component: "model", type: type) }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] where !j[key].isNull {
            if let s = j[key].optString, s.isEmpty { continue }
            throw TokenizerError.unsupportedType(component: "model BPE option", type: key)
        }
        if let d = j["dropout"].optDouble, d > 0 {
            throw TokenizerError.unsupportedType(component: "model BPE option", type: "dropout")
        }
        let (vocab, itt) = try TokenModels.vocabulary(j)
        self.vocab = vocab
        idToToken = itt

        var charId: [UInt32: Int32] = [:]
        for (k, id) in vocab {
            var it = k.unicodeScalars.makeIterator()
            if let c = it.next(), it.next() == nil { charId[c.value] = Int32(id) }
        }
        self.charId = IntTable(charId.map { (UInt64($0.key), $0.value) }, count: charId.count)
        byteCharId = ByteLevelMap.byteToChar.map { charId[$0] ?? -1 }
        fallbackId = (0..<256).map { b in Int32(vocab[String(format: "<0x%02X>", b)] ?? -1) }

        byteFallback = try j["byte_fallback"].bool(default: false)
        ignoreMerges = try j["ignore_merges"].bool(default: false)
        fuseUnk = try j["fuse_unk"].bool(default: false)
        if let u = j["unk_token"].optString {
            guard let id = vocab[u] else { throw j["unk_token"].fail("'\(u)' is not in the vocabulary") }
            unkId = id
        } else {
            unkId = nil
        }

        let merges = try j.required("merges").array()
        var mergeRank = IntTable([], count: merges.count)
        var rankToId = [Int32](repeating: -1, count: merges.count)
        for (rank, m) in merges.enumerated() {
            let a: String, b: String
            if let s = m.optString {
                guard let sp = s.firstIndex(of: " ") else { throw m.fail("must be 'left right'") }
                a = String(s[..<sp]); b = String(s[s.index(after: sp)...])
            } else if let pair = m.optArray, pair.count == 2, let x = pair[0].optString, let y = pair[1].optString {
                a = x; b = y
            } else {
                throw m.fail("must be 'left right' or [left, right]")
            }
            guard let ia = vocab[a] else { throw m.fail("'\(a)' is not in the vocabulary") }
            guard let ib = vocab[b] else { throw m.fail("'\(b)' is not in the vocabulary") }
            guard let inew = vocab[a + b] else { throw m.fail("'\(a + b)' is not in the vocabulary") }
            mergeRank.insert(UInt64(ia) << 32 | UInt64(ib), Int32(rank))
            rankToId[rank] = Int32(inew)
        }
        self.mergeRank = mergeRank
        self.rankToId = rankToId
    }

    // MARK: word → ids

    private var pendingUnk = false

    @inline(__always) private func flushUnk() {
        if pendingUnk, let u = unkId { sym.append(Int32(u)); symLen.append(unkLen) }
        pendingUnk = false
    }

    /// One character of the word (already byte-mapped for byte-level models).
    @inline(__always) private func addChar(_ c: UInt32) {
        let n: Int32 = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
        if let id = charId.get(UInt64(c)) {
            flushUnk()
            sym.append(id)
            symLen.append(n)
            return
        }
        addUnknownChar(c, len: n)
    }

    private func addUnknownChar(_ c: UInt32, len: Int32) {
        if byteFallback {
            bytes.removeAll(keepingCapacity: true)
            appendUTF8(c, to: &bytes)
            if bytes.allSatisfy({ fallbackId[Int($0)] >= 0 }) {
                // As tokenizers does: byte tokens go in without flushing a pending unknown.
                for b in bytes { sym.append(fallbackId[Int(b)]); symLen.append(1) }
                return
            }
        }
        guard unkId != nil else { return }
        if pendingUnk && !fuseUnk { flushUnk() }
        if pendingUnk { unkLen += len } else { unkLen = len }
        pendingUnk = true
    }

    /// Tokenises one pre-token `s[lo..<hi]`, appending ids to `out`.
    func tokenize(_ s: [UInt32], _ lo: Int, _ hi: Int, byteLevel: Bool, into out: inout [Int]) {
        guard hi > lo else { return }
        sym.removeAll(keepingCapacity: true)
        symLen.removeAll(keepingCapacity: true)
        pendingUnk = false
        if byteLevel {
            bytes.removeAll(keepingCapacity: true)
            for i in lo..<hi { appendUTF8(s[i], to: &bytes) }
            if ignoreMerges {
                var w = String.UnicodeScalarView()
                for b in bytes { w.append(Unicode.Scalar(ByteLevelMap.byteToChar[Int(b)])!) }
                if let id = vocab[String(w)] {
                    out.append(id)
                    if collectLengths { lengths.append(bytes.count) }
                    return
                }
            }
            let word = bytes
            for b in word {
                let id = byteCharId[Int(b)]
                if id >= 0 {
                    flushUnk(); sym.append(id); symLen.append(1)
                } else {
                    addUnknownChar(ByteLevelMap.byteToChar[Int(b)], len: 1)
                }
            }
        } else {
            if ignoreMerges, let id = vocab[Array(s[lo..<hi]).asString] {
                out.append(id)
                if collectLengths {
                    var n = 0
                    for i in lo..<hi { let c = s[i]; n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4 }
                    lengths.append(n)
                }
                return
            }
            for i in lo..<hi { addChar(s[i]) }
        }
        flushUnk()
        mergeAll()
        for i in 0..<sym.count where alive[i] {
            out.append(Int(sym[i]))
            if collectLengths { lengths.append(Int(symLen[i])) }
        }
    }

    @inline(__always) private func rank(_ a: Int32, _ b: Int32) -> Int32? {
        mergeRank.get(UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)))
    }

    private func mergeAll() {
        let n = sym.count
        alive.removeAll(keepingCapacity: true)
        alive.append(contentsOf: repeatElement(true, count: n))
        guard n > 1 else { return }
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        for i in 0..<n { prev.append(Int32(i - 1)); next.append(Int32(i + 1 < n ? i + 1 : -1)) }
        heap.removeAll(keepingCapacity: true)
        for i in 0..<(n - 1) {
            if let r = rank(sym[i], sym[i + 1]) { heapPush(UInt64(r) << 32 | UInt64(i)) }
        }
        while let top = heapPop() {
            let pos = Int(top & 0xFFFF_FFFF)
            let r = Int32(truncatingIfNeeded: top >> 32)
            guard alive[pos] else { continue }
            let nx = Int(next[pos])
            guard nx >= 0 else { continue }
            // Stale entry check, as tokenizers: the pair must still merge into the same id.
            guard let cur = rank(sym[pos], sym[nx]), rankToId[Int(cur)] == rankToId[Int(r)] else { continue }
            sym[pos] = rankToId[Int(r)]
            symLen[pos] += symLen[nx]
            alive[nx] = false
            let nn = next[nx]
            next[pos] = nn
            if nn >= 0 { prev[Int(nn)] = Int32(pos) }
            let pv = prev[pos]
            if pv >= 0, let r2 = rank(sym[Int(pv)], sym[pos]) { heapPush(UInt64(r2) << 32 | UInt64(pv)) }
            if nn >= 0, let r3 = rank(sym[pos], sym[Int(nn)]) { heapPush(UInt64(r3) << 32 | UInt64(pos)) }
        }
    }

    // Min-heap on (rank << 32 | position): lowest rank first, then leftmost, as tokenizers' `Merge` order.
    @inline(__always) private func heapPush(_ v: UInt64) {
        heap.append(v)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            if heap[p] <= v { break }
            heap[i] = heap[p]
            i = p
        }
        heap[i] = v
    }

    @inline(__always) private func heapPop() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        let n = heap.count
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && heap[l + 1] < heap[l] { c = l + 1 }
            if heap[c] >= last { break }
            heap[i] = heap[c]
            i = c
        }
        heap[i] = last
        return top
    }
}
