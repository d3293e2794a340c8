// Philox-4x32-10 counter-based RNG (Salmon et al., SC'11). A stream is (seed, stream id); value i of
// a stream is a pure function of (seed, stream, i), so parallel fills give the same numbers for any
// thread count or split. Matches the Random123 reference constants.

public struct Philox4x32 {
    public let key: (UInt32, UInt32)
    public let stream: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        self.stream = stream
    }

    /// The 4 words for counter block `index` (counter = (index lo, index hi, stream lo, stream hi)).
    @inline(__always)
    public func block(_ index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: index), c1 = UInt32(truncatingIfNeeded: index >> 32)
        var c2 = UInt32(truncatingIfNeeded: stream), c3 = UInt32(truncatingIfNeeded: stream >> 32)
        var k0 = key.0, k1 = key.1
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0; c2 = n2
            k0 = k0 &+ 0x9E37_79B9; k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// 32-bit word i of the stream.
    @inline(__always)
    public func word(_ i: UInt64) -> UInt32 {
        let b = block(i / 4)
        switch i % 4 { case 0: return b.0; case 1: return b.1; case 2: return b.2; default: return b.3 }
    }

    /// Uniform in [0, 1) with 24 random bits, value i of the stream.
    @inline(__always)
    public func uniform(_ i: UInt64) -> Float { Float(word(i) >> 8) * (1.0 / 16_777_216.0) }

    /// Standard normal, value i of the stream (Box–Muller on words 2i and 2i+1 of one block pair).
    public func normal(_ i: UInt64) -> Float {
        let b = block(i / 2)
        let (a, c) = i % 2 == 0 ? (b.0, b.1) : (b.2, b.3)
        let u1 = (Double(a) + 1) / 4_294_967_297.0      // (0, 1]: log is finite
        let u2 = Double(c) / 4_294_967_296.0
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Fills out[j] = uniform(offset + j) in parallel; identical for any thread count.
    public func fillUniform(_ out: UnsafeMutablePointer<Float>, count n: Int, offset: UInt64 = 0) {
        ThreadPool.forEachSlice(n) { r in for j in r { out[j] = uniform(offset + UInt64(j)) } }
    }

    /// Fills out[j] = mean + std·normal(offset + j) in parallel; identical for any thread count.
    public func fillNormal(_ out: UnsafeMutablePointer<Float>, count n: Int, mean: Float = 0, std: Float = 1,
                           offset: UInt64 = 0) {
        ThreadPool.forEachSlice(n) { r in for j in r { out[j] = mean + std * normal(offset + UInt64(j)) } }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
