// Vectorised elementwise kernels and reductions on raw Float pointers (SIMD16 loops).
// Accumulations are written `acc += a * b` (never SIMD.addProduct, which lowers to a libm fmaf call
// per lane on the default x86-64 target). Every reduction has a fixed order for a given length, so
// a row's result never depends on which thread or batch computed it.

public enum Kernels {
    /// Σ x[i]
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += Vec.load(x + i); i += 16 }
        if i < n { acc += Vec.loadPartial(x + i, n - i, fill: 0) }
        return acc.sum()
    }

    /// Σ x[i]·y[i]
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += Vec.load(x + i) * Vec.load(y + i); i += 16 }
        if i < n { acc += Vec.loadPartial(x + i, n - i, fill: 0) * Vec.loadPartial(y + i, n - i, fill: 0) }
        return acc.sum()
    }

    /// max x[i] (n ≥ 1)
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        // `replacing(with:where:)`, not pointwiseMax: the latter runs ~40× slower here (measured).
        var acc = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= n { let v = Vec.load(x + i); acc = acc.replacing(with: v, where: v .> acc); i += 16 }
        if i < n { let v = Vec.loadPartial(x + i, n - i, fill: -.infinity); acc = acc.replacing(with: v, where: v .> acc) }
        return acc.max()
    }

    /// Index of the largest value; ties go to the lowest index.
    public static func argmax(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
        let m = max(x, n)
        for i in 0..<n where x[i] == m { return i }
        return 0
    }

    /// y[i] += x[i]
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { Vec.store(Vec.load(y + i) + Vec.load(x + i), y + i); i += 16 }
        while i < n { y[i] += x[i]; i += 1 }
    }

    /// y[i] = a·x[i] + y[i]
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let av = SIMD16<Float>(repeating: a)   // explicit splat: SIMD-with-scalar operators are slow here
        while i + 16 <= n { Vec.store(Vec.load(y + i) + Vec.load(x + i) * av, y + i); i += 16 }
        while i < n { y[i] += a * x[i]; i += 1 }
    }

    /// x[i] *= a
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, _ n: Int) {
        var i = 0
        let av = SIMD16<Float>(repeating: a)
        while i + 16 <= n { Vec.store(Vec.load(x + i) * av, x + i); i += 16 }
        while i < n { x[i] *= a; i += 1 }
    }

    /// z[i] = x[i]·y[i]
    @inline(__always)
    public static func mul(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { Vec.store(Vec.load(x + i) * Vec.load(y + i), z + i); i += 16 }
        while i < n { z[i] = x[i] * y[i]; i += 1 }
    }

    /// In-place softmax of one row of n values (n ≥ 1).
    @inline(__always)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = max(x, n)
        let mv = SIMD16<Float>(repeating: m)
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            let e = vexp(Vec.load(x + i) - mv)
            Vec.store(e, x + i)
            acc += e
            i += 16
        }
        if i < n {
            let e = vexp(Vec.loadPartial(x + i, n - i, fill: -.infinity) - mv)
            Vec.storePartial(e, x + i, n - i)
            acc += e
        }
        scale(x, by: 1 / acc.sum(), n)
    }

    /// log Σ exp(x[i]) over one row (CrossEntropy's log-softmax builds on it).
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let m = max(x, n)
        return m + logSumExpShifted(x, n, max: m)
    }

    @inline(__always)
    static func logSumExpShifted(_ x: UnsafePointer<Float>, _ n: Int, max m: Float) -> Float {
        let mv = SIMD16<Float>(repeating: m)
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += vexp(Vec.load(x + i) - mv); i += 16 }
        if i < n { acc += vexp(Vec.loadPartial(x + i, n - i, fill: -.infinity) - mv) }
        // log of a sum of n values in [0, n]: Double log is cheap once per row.
        return Float(_log(Double(acc.sum())))
    }

    /// RMSNorm of one row as transformers' LlamaRMSNorm in f32: y = w ⊙ x / sqrt(mean(x²) + eps).
    @inline(__always)
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, eps: Float,
                               _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let ms = dot(x, x, n) / Float(n)
        let r = 1 / (ms + eps).squareRoot()
        let rv = SIMD16<Float>(repeating: r)
        var i = 0
        while i + 16 <= n { Vec.store(Vec.load(w + i) * (Vec.load(x + i) * rv), y + i); i += 16 }
        while i < n { y[i] = w[i] * (x[i] * r); i += 1 }
    }

    /// out[i] = silu(g[i])·u[i] with silu(g) = g / (1 + e^-g).
    @inline(__always)
    public static func swiglu(gate g: UnsafePointer<Float>, up u: UnsafePointer<Float>,
                              _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        let one = SIMD16<Float>(repeating: 1)
        var i = 0
        while i + 16 <= n {
            let gv = Vec.load(g + i)
            Vec.store(gv / (one + vexp(-gv)) * Vec.load(u + i), out + i)
            i += 16
        }
        if i < n {
            let gv = Vec.loadPartial(g + i, n - i, fill: 0)
            let uv = Vec.loadPartial(u + i, n - i, fill: 0)
            Vec.storePartial(gv / (one + vexp(-gv)) * uv, out + i, n - i)
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
#endif
