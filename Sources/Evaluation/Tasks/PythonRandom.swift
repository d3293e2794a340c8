import Foundation

/// CPython 3's `random.Random` as far as lm-eval's few-shot sampler needs it: the Mersenne Twister
/// MT19937 seeded from an int as `_randommodule.c` does (`init_by_array` over the int's 32-bit
/// words), `getrandbits`, `_randbelow` (rejection sampling on `n.bit_length()` bits) and
/// `sample(population, k)` with both of its algorithms. Every draw consumes exactly the 32-bit
/// outputs CPython's does, so a sequence of calls stays in step with Python's (checked against
/// CPython goldens in PythonRandomTests).
public struct PythonRandom {
    private static let n = 624, m = 397
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 625

    /// `random.Random(seed)` for an int seed: CPython uses |seed|, split into little-endian 32-bit
    /// words (one word `0` for seed 0).
    public init(seed: Int) {
        let v = seed.magnitude
        let lo = UInt32(truncatingIfNeeded: v), hi = UInt32(truncatingIfNeeded: v >> 32)
        initByArray(hi != 0 ? [lo, hi] : [lo])
    }

    private mutating func initGenrand(_ s: UInt32) {
        mt[0] = s
        for i in 1..<Self.n {
            mt[i] = 1812433253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    private mutating func initByArray(_ key: [UInt32]) {
        let n = Self.n
        initGenrand(19650218)
        var i = 1, j = 0
        for _ in 0..<max(n, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1664525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= n { mt[0] = mt[n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(n - 1) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1566083941)) &- UInt32(i)
            i += 1
            if i >= n { mt[0] = mt[n - 1]; i = 1 }
        }
        mt[0] = 0x8000_0000  // MSB set: a non-zero initial state
    }

    /// `genrand_uint32`: the next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        let n = Self.n, m = Self.m
        if index >= n {
            @inline(__always) func twist(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
                let y = (a & 0x8000_0000) | (b & 0x7fff_ffff)
                return c ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_b0df)
            }
            for k in 0..<(n - m) { mt[k] = twist(mt[k], mt[k + 1], mt[k + m]) }
            for k in (n - m)..<(n - 1) { mt[k] = twist(mt[k], mt[k + 1], mt[k + m - n]) }
            mt[n - 1] = twist(mt[n - 1], mt[0], mt[m - 1])
            index = 0
        }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// `getrandbits(k)` for 0 ≤ k ≤ 64: one output per 32 bits, the first one the lowest word,
    /// the last one cut to its top bits.
    public mutating func getrandbits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64, "getrandbits: 0...64 bits")
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> UInt32(32 - k)) }
        let low = UInt64(nextUInt32())
        let high = UInt64(nextUInt32() >> UInt32(64 - k))
        return low | high << 32
    }

    /// `_randbelow(n)` (n ≥ 1): draws of `n.bit_length()` bits until one is below n.
    public mutating func randbelow(_ n: Int) -> Int {
        precondition(n > 0, "randbelow needs n > 0")
        let bits = Int.bitWidth - n.leadingZeroBitCount
        var r = getrandbits(bits)
        while r >= UInt64(n) { r = getrandbits(bits) }
        return Int(r)
    }

    /// `random()`: a double in [0, 1) from 53 bits (two outputs), as CPython.
    public mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }

    /// `sample(range(n), k)`: the indices `sample(population, k)` picks from a population of n,
    /// in draw order. CPython keeps a pool (swap-remove) when n is at most the size of the set it
    /// would otherwise need, else redraws indices already taken; the threshold uses float `log`,
    /// as CPython does.
    public mutating func sample(populationSize n: Int, count k: Int) -> [Int]? {
        guard k >= 0 && k <= n else { return nil }  // CPython: ValueError
        var setsize = 21
        if k > 5 {
            let e = Int((Foundation.log(Double(k * 3)) / Foundation.log(4.0)).rounded(.up))
            var p = 1
            for _ in 0..<e { p *= 4 }
            setsize += p
        }
        var result: [Int] = []
        result.reserveCapacity(k)
        if n <= setsize {
            var pool = Array(0..<n)
            for i in 0..<k {
                let j = randbelow(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = randbelow(n)
                while selected.contains(j) { j = randbelow(n) }
                selected.insert(j)
                result.append(j)
            }
        }
        return result
    }
}
