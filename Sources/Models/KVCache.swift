// Keys (after RoPE) and values of every layer for positions 0..<count, row-major [position × kvDim].

public final class KVCache {
    public private(set) var count: Int = 0
    public private(set) var capacity: Int
    let layers: Int
    let kvDim: Int
    var keys: [UnsafeMutablePointer<Float>]
    var values: [UnsafeMutablePointer<Float>]

    init(layers: Int, kvDim: Int, capacity: Int) {
        self.layers = layers
        self.kvDim = kvDim
        self.capacity = max(capacity, 1)
        keys = (0..<layers).map { _ in KVCache.zeroed(max(capacity, 1) * kvDim) }
        values = (0..<layers).map { _ in KVCache.zeroed(max(capacity, 1) * kvDim) }
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
        precondition(n >= 0 && n <= count, "truncate(to: \(n)) outside 0...\(count)")
        count = n
    }

    /// Grows the storage (doubling) so that `needed` positions fit.
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        var newCap = capacity
        while newCap < needed { newCap *= 2 }
        for l in 0..<layers {
            for which in 0..<2 {
                let old = which == 0 ? keys[l] : values[l]
                let new = KVCache.zeroed(newCap * kvDim)
                new.update(from: old, count: count * kvDim)
                old.deallocate()
                if which == 0 { keys[l] = new } else { values[l] = new }
            }
        }
        capacity = newCap
    }

    func append(count n: Int) { count += n }
}
