// Keys (after RoPE) and values of every layer for positions 0..<count, row-major [position × kvDim].
// A cache may continue another one: positions below `baseCount` are read from `base` (shared, not
// copied), so many continuations of one prefix (the questions of an MMLU subject after its few-shot
// block) each keep only their own positions.

public final class KVCache {
    public private(set) var count: Int
    /// Positions this cache stores itself (from baseCount on).
    public private(set) var capacity: Int
    let layers: Int
    let kvDim: Int
    /// The cache holding positions 0..<baseCount; it must not be truncated below baseCount while
    /// this one is alive.
    public let base: KVCache?
    public let baseCount: Int
    var keys: [UnsafeMutablePointer<Float>]
    var values: [UnsafeMutablePointer<Float>]

    init(layers: Int, kvDim: Int, capacity: Int, base: KVCache? = nil) {
        self.layers = layers
        self.kvDim = kvDim
        self.base = base
        baseCount = base?.count ?? 0
        count = baseCount
        self.capacity = max(capacity, 1)
        keys = (0..<layers).map { _ in KVCache.zeroed(max(capacity, 1) * kvDim) }
        values = (0..<layers).map { _ in KVCache.zeroed(max(capacity, 1) * kvDim) }
    }

    /// An empty cache continuing `base` at its current count.
    public convenience init(continuing base: KVCache, capacity: Int) {
        self.init(layers: base.layers, kvDim: base.kvDim, capacity: capacity, base: base)
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    static func zeroed(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    /// Drops positions n..<count (e.g. to reuse a shared prefix).
    public func truncate(to n: Int) {
        precondition(n >= baseCount && n <= count, "truncate(to: \(n)) outside \(baseCount)...\(count)")
        count = n
    }

    /// Grows the storage (doubling) so that positions up to `needed` fit.
    func reserve(_ needed: Int) {
        let own = needed - baseCount
        guard own > capacity else { return }
        var newCap = capacity
        while newCap < own { newCap *= 2 }
        for l in 0..<layers {
            for which in 0..<2 {
                let old = which == 0 ? keys[l] : values[l]
                let new = KVCache.zeroed(newCap * kvDim)
                new.update(from: old, count: (count - baseCount) * kvDim)
                old.deallocate()
                if which == 0 { keys[l] = new } else { values[l] = new }
            }
        }
        capacity = newCap
    }

    func append(count n: Int) { count += n }

    /// Position p's keys / values in this cache's own storage (p >= baseCount).
    @inline(__always) func keyRow(_ layer: Int, _ p: Int) -> UnsafeMutablePointer<Float> {
        keys[layer] + (p - baseCount) * kvDim
    }
    @inline(__always) func valueRow(_ layer: Int, _ p: Int) -> UnsafeMutablePointer<Float> {
        values[layer] + (p - baseCount) * kvDim
    }

    /// Copies `width` floats at `offset` of positions 0..<n (through the base chain) into
    /// contiguous rows of `width`.
    func gather(layer: Int, offset: Int, width: Int, positions n: Int,
                keysTo k: UnsafeMutablePointer<Float>, valuesTo v: UnsafeMutablePointer<Float>) {
        let own0 = min(baseCount, n)
        if own0 > 0 { base!.gather(layer: layer, offset: offset, width: width, positions: own0, keysTo: k, valuesTo: v) }
        guard n > baseCount else { return }
        for p in baseCount..<n {
            (k + p * width).update(from: keyRow(layer, p) + offset, count: width)
            (v + p * width).update(from: valueRow(layer, p) + offset, count: width)
        }
    }
}
