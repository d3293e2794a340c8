/// Open-addressing hash tables for the encoder's hot lookups. Swift's `Dictionary` hashes with
/// SipHash and, for array keys, allocates on insert; these use a multiplicative hash and flat storage.

/// UInt64 key → Int32 value (merge pairs, single-scalar tokens). Keys must not be `UInt64.max`.
struct IntTable {
    private var keys: [UInt64]
    private var values: [Int32]
    private let mask: Int
    private let shift: UInt64

    init<S: Sequence>(_ pairs: S, count: Int) where S.Element == (UInt64, Int32) {
        var cap = 16, bits: UInt64 = 4
        while cap < count * 2 { cap <<= 1; bits += 1 }
        keys = [UInt64](repeating: .max, count: cap)
        values = [Int32](repeating: -1, count: cap)
        mask = cap - 1
        shift = 64 - bits
        for (k, v) in pairs { insert(k, v) }
    }

    @inline(__always) private func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Inserts or overwrites (a later duplicate wins, as a Rust HashMap collect).
    mutating func insert(_ k: UInt64, _ v: Int32) {
        var i = slot(k)
        while keys[i] != .max && keys[i] != k { i = (i + 1) & mask }
        keys[i] = k
        values[i] = v
    }

    @inline(__always) func get(_ k: UInt64) -> Int32? {
        var i = slot(k)
        while true {
            let x = keys[i]
            if x == k { return values[i] }
            if x == .max { return nil }
            i = (i + 1) & mask
        }
    }
}

/// Memo of pre-token (scalars) → token ids, with keys and ids stored in flat arenas.
struct PieceCache {
    private var slotHash: [UInt64]
    private var slotEntry: [Int32]
    private var keyStart: [Int32] = [], keyLen: [Int32] = [], idStart: [Int32] = [], idLen: [Int32] = []
    private var keyArena: [UInt32] = []
    private var idArena: [Int32] = []
    private let mask: Int
    let capacity: Int

    init(capacity: Int) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        self.capacity = capacity
        slotHash = [UInt64](repeating: 0, count: cap)
        slotEntry = [Int32](repeating: -1, count: cap)
        mask = cap - 1
    }

    @inline(__always) static func hash(_ s: [UInt32], _ lo: Int, _ hi: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(hi - lo)
        for i in lo..<hi { h = (h ^ UInt64(s[i])) &* 0x100_0000_01b3 }
        return (h ^ (h >> 29)) | 1  // never 0, so 0 marks an empty slot's hash
    }

    /// Appends the cached ids of `s[lo..<hi]` to `out`; false when absent.
    @inline(__always)
    func lookup(_ s: [UInt32], _ lo: Int, _ hi: Int, _ h: UInt64, into out: inout [Int]) -> Bool {
        var i = Int(truncatingIfNeeded: h) & mask
        let n = hi - lo
        while true {
            let e = Int(slotEntry[i])
            if e < 0 { return false }
            if slotHash[i] == h && Int(keyLen[e]) == n {
                let ks = Int(keyStart[e])
                var same = true
                for k in 0..<n where keyArena[ks + k] != s[lo + k] { same = false; break }
                if same {
                    let st = Int(idStart[e])
                    for k in 0..<Int(idLen[e]) { out.append(Int(idArena[st + k])) }
                    return true
                }
            }
            i = (i + 1) & mask
        }
    }

    mutating func insert(_ s: [UInt32], _ lo: Int, _ hi: Int, _ h: UInt64, ids: ArraySlice<Int>) {
        if keyStart.count >= capacity { clear() }
        var i = Int(truncatingIfNeeded: h) & mask
        while slotEntry[i] >= 0 { i = (i + 1) & mask }
        let e = Int32(keyStart.count)
        keyStart.append(Int32(keyArena.count)); keyLen.append(Int32(hi - lo))
        keyArena.append(contentsOf: s[lo..<hi])
        idStart.append(Int32(idArena.count)); idLen.append(Int32(ids.count))
        for x in ids { idArena.append(Int32(x)) }
        slotHash[i] = h
        slotEntry[i] = e
    }

    mutating func clear() {
        for i in 0..<slotEntry.count { slotEntry[i] = -1; slotHash[i] = 0 }
        keyStart.removeAll(keepingCapacity: true); keyLen.removeAll(keepingCapacity: true)
        idStart.removeAll(keepingCapacity: true); idLen.removeAll(keepingCapacity: true)
        keyArena.removeAll(keepingCapacity: true); idArena.removeAll(keepingCapacity: true)
    }
}
