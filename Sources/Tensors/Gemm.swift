// Matrix products through OpenBLAS cblas_sgemm, row-major. All four transpose combinations, β for
// accumulation, leading dimensions for strided views, a strided-batched form, and a parallel form.
//
// Determinism: OpenBLAS computes each C row independently of how many rows are in the call (tested
// in GemmTests: rows of A·B are bit-identical for M = 1…N). Gemm.parallel therefore splits large
// products by rows; small-M products (decoding) are split by columns into fixed 256-wide chunks
// whose boundaries do not depend on the thread count. Either way every element is computed by the
// same call shape for any thread count, so results never depend on SFTGO_THREADS.

import CBLAS

public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

public enum Gemm {
    /// C[m×n] = α·op(A)·op(B) + β·C on the calling thread. op(A) is m×k, op(B) is k×n.
    @inline(__always)
    public static func sgemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // BLAS leaves C·β; make that explicit for β = 0.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, ta.cblas, tb.cblas, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Rows per thread below which Gemm.parallel splits columns instead of rows.
    public static let minRowsPerThread = 16
    /// Fixed column-chunk width for small-M products.
    public static let columnChunk = 256

    /// Same contract as sgemm, spread over ThreadPool (results independent of the thread count).
    public static func parallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                                alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = ThreadPool.threadCount
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        if threads <= 1 || flops < 2e6 {
            if n > columnChunk && m < minRowsPerThread * 2 {
                // Keep the column-chunked call shapes even single-threaded (thread-count invariance).
                columnChunks(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                             beta: beta, c: c, ldc: ldc, parallel: false)
            } else {
                sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
            }
            return
        }
        if m >= minRowsPerThread * 2 {
            ThreadPool.forEachSlice(m) { rows in
                let aRow = ta == .none ? a + rows.lowerBound * lda : a + rows.lowerBound
                sgemm(ta, tb, m: rows.count, n: n, k: k, alpha: alpha, a: aRow, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else if n > columnChunk {
            columnChunks(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc, parallel: true)
        } else {
            sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc)
        }
    }

    private static func columnChunks(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int,
                                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool) {
        let chunks = (n + columnChunk - 1) / columnChunk
        let run = { (t: Int) in
            let j0 = t * columnChunk
            let w = min(columnChunk, n - j0)
            let bCol = tb == .none ? b + j0 : b + j0 * ldb
            sgemm(ta, tb, m: m, n: w, k: k, alpha: alpha, a: a, lda: lda, b: bCol, ldb: ldb,
                  beta: beta, c: c + j0, ldc: ldc)
        }
        if parallel {
            ThreadPool.forEachSlice(chunks) { range in for t in range { run(t) } }
        } else {
            for t in 0..<chunks { run(t) }
        }
    }

    /// batch independent products C_i = α·op(A_i)·op(B_i) + β·C_i with A_i = a + i·strideA etc.
    /// Batches run in parallel on the pool; each is one single-threaded sgemm.
    public static func stridedBatched(_ ta: Transpose, _ tb: Transpose, batch: Int, m: Int, n: Int, k: Int,
                                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, strideA: Int,
                                      b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
        ThreadPool.forEachTask(batch) { i in
            sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda,
                  b: b + i * strideB, ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc)
        }
    }
}
