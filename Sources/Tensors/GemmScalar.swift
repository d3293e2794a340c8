// The numeric operations the training engine needs, for Float (the product: Gemm with its
// row-quantum rule, SIMD exp) and Double (finite-difference proofs only: plain dgemm, libm). Code
// generic over GemmScalar is specialised per type, so the Float path pays nothing for the twin.

import CBLAS
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

public protocol GemmScalar: BinaryFloatingPoint, Sendable {
    /// C = α·op(A)·op(B) + β·C on the calling thread.
    static func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Same, spread over the pool; every element's bits independent of the thread count.
    static func gemmParallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Self,
                             a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                             beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// x[i] ← exp(x[i] − shift) for i < n; returns Σ of the new values.
    static func expShifted(_ x: UnsafeMutablePointer<Self>, _ n: Int, shift: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    /// A row's log-softmax in two parts, m = max x and log Σ exp(x − m), so that
    /// log p(t) = (x[t] − m) − logSum: the one log-softmax kernel (CrossEntropy builds on it).
    static func logSoftmaxParts(_ x: UnsafePointer<Self>, _ n: Int) -> (max: Self, logSum: Self)
}

extension Float: GemmScalar {
    @inline(__always)
    public static func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Gemm.sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
    @inline(__always)
    public static func gemmParallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Gemm.parallel(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
    @inline(__always)
    public static func expShifted(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        let mv = SIMD16<Float>(repeating: shift)
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { let e = vexp(Vec.load(x + i) - mv); Vec.store(e, x + i); acc += e; i += 16 }
        if i < n {
            let e = vexp(Vec.loadPartial(x + i, n - i, fill: -.infinity) - mv)
            Vec.storePartial(e, x + i, n - i)
            acc += e
        }
        return acc.sum()
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    /// As torch's float32 CPU log_softmax (the lm-eval goldens' arithmetic): exp(x − m) summed in 8
    /// float lanes in index order (its AVX2 vector width), the lanes added, logf, and the log-prob
    /// taken as (x[t] − m) − logSum. Measured on SmolLM2 HellaSwag goldens: 16 lanes and m + log(sum)
    /// moved lm-eval agreement from 5e-5 to 3.4e-4 (a float sum of 49k small terms drops mass; how
    /// much depends on the lane count, so matching torch's count matters more than exp's last bit).
    @inline(__always)
    public static func logSoftmaxParts(_ x: UnsafePointer<Float>, _ n: Int) -> (max: Float, logSum: Float) {
        let m = Kernels.max(x, n)
        let mv = SIMD16<Float>(repeating: m)
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        // Lanes 0–7 of a 16-wide chunk are elements 16k+l, lanes 8–15 are 16k+8+l: adding the low
        // then the high half is the 8-lane sequential order.
        while i + 16 <= n { let e = vexp(Vec.load(x + i) - mv); acc += e.lowHalf; acc += e.highHalf; i += 16 }
        if i < n {
            let e = vexp(Vec.loadPartial(x + i, n - i, fill: -.infinity) - mv)
            acc += e.lowHalf; acc += e.highHalf
        }
        return (m, logf(acc.sum()))
    }
}

extension Double: GemmScalar {
    public static func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_dgemm(CblasRowMajor, ta.cblas, tb.cblas, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    public static func gemmParallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                                    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                                    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
    public static func expShifted(_ x: UnsafeMutablePointer<Double>, _ n: Int, shift: Double) -> Double {
        var s = 0.0
        for i in 0..<n { x[i] = exp(x[i] - shift); s += x[i] }
        return s
    }
    @inline(__always) public static func exp(_ x: Double) -> Double { _exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { _log(x) }
    public static func logSoftmaxParts(_ x: UnsafePointer<Double>, _ n: Int) -> (max: Double, logSum: Double) {
        var m = -Double.infinity
        for i in 0..<n { m = Swift.max(m, x[i]) }
        var s = 0.0
        for i in 0..<n { s += _exp(x[i] - m) }
        return (m, _log(s))
    }
}

#if canImport(Glibc)
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
@inline(__always) func _exp(_ x: Double) -> Double { Foundation.exp(x) }
#endif
