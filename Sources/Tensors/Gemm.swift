// Matrix products through OpenBLAS cblas_sgemm, row-major. All four transpose combinations, β for
// accumulation, leading dimensions for strided views, a strided-batched form, and a parallel form.
//
// Determinism: a row of A·Bᵀ is NOT bit-identical across calls with different row counts, nor across
// column slices. OpenBLAS kernels walk rows in blocks (Zen: 12, Cooperlake: 24) and round leftover
// rows differently, so a row is identical when it sits at the same position modulo `rowQuantum` in a
// call whose row count is a multiple of the quantum, with the same column count. The quantum is
// measured on the running kernel once per process (GemmCalibration; GemmTests checks the property
// with the calibrated value). So:
//  * callers that need batch-invariant rows lay every sequence out starting at a multiple of
//    rowQuantum and pad the row count to a multiple of it (Models does);
//  * Gemm.parallel splits such products by row blocks at multiples of rowQuantum, full width (or,
//    when the calibration found no quantum, issues every block as its own fixed-shape call);
//  * single-row products (decoding) are split by fixed 256-wide column chunks, each one sgemv when
//    B is transposed (the chunk shapes do not depend on the thread count);
// so every element is computed by the same call shape for any thread count.
//
// The promise, then: bit-identical for any batch composition, pass size and thread count on the same
// CPU kernel; across kernels (CPUs) equal within rounding (the agreement tolerance, 1e-4), with the
// kernel recorded in every run's provenance.

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

    /// Fixed column-chunk width for single-row products.
    public static let columnChunk = 256
    /// Passes of at most this many rows split by columns across threads (when the probe allows), at
    /// multiples of `columnSplitAlign` columns.
    public static let columnSplitMaxRows = 64
    public static let columnSplitAlign = 64
    /// Start of part t of n columns cut into `parts` (n itself for t = parts).
    static func columnSplitBoundary(_ t: Int, of n: Int, parts: Int) -> Int {
        t >= parts ? n : t * n / parts / columnSplitAlign * columnSplitAlign
    }

    /// Same contract as sgemm, spread over ThreadPool; results do not depend on the thread count.
    public static func parallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                                alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Thread slices start at multiples of this shape's quantum (m is a multiple of it whenever
        // the caller laid rows out for invariance), so a slice's rows keep their bits.
        let calibration = m == 1 ? GemmCalibration(rowQuantum: 1, blockwise: false, coreName: "")
            : GemmCalibration.forShape(GemmShape(n: n, k: k, ta: ta, tb: tb))
        parallel(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                 calibration: calibration)
    }

    /// `parallel` under a given calibration (tests drive the blockwise fallback with it).
    static func parallel(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                         alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, calibration: GemmCalibration) {
        let threads = ThreadPool.threadCount
        let rowQuantum = calibration.rowQuantum
        if calibration.blockwise && m % rowQuantum == 0 && m > rowQuantum {
            // No quantum passed the probe: one fixed-shape call per block, whatever the row count.
            ThreadPool.forEachSlice(m / rowQuantum, parts: threads) { range in
                for blk in range {
                    let r0 = blk * rowQuantum
                    sgemm(ta, tb, m: rowQuantum, n: n, k: k, alpha: alpha, a: ta == .none ? a + r0 * lda : a + r0,
                          lda: lda, b: b, ldb: ldb, beta: beta, c: c + r0 * ldc, ldc: ldc)
                }
            }
        } else if m == 1 && n > columnChunk {
            // Same chunked call shapes whatever the thread count.
            columnChunks(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc, parallel: threads > 1)
        } else if calibration.columnSplit && threads > 1 && m % rowQuantum == 0 && m <= columnSplitMaxRows
                    && n >= 2 * columnSplitAlign * threads {
            // Few rows (decode steps of a batch): split the columns, so each thread packs only its part
            // of B (a row split would have every thread pack all of it). Same bits, by the probe.
            ThreadPool.forEachTask(threads) { t in
                let j0 = columnSplitBoundary(t, of: n, parts: threads), j1 = columnSplitBoundary(t + 1, of: n, parts: threads)
                sgemm(ta, tb, m: m, n: j1 - j0, k: k, alpha: alpha, a: a, lda: lda, b: tb == .none ? b + j0 : b + j0 * ldb,
                      ldb: ldb, beta: beta, c: c + j0, ldc: ldc)
            }
        } else if m % rowQuantum == 0 && m > rowQuantum && threads > 1 {
            let blocks = m / rowQuantum
            ThreadPool.forEachSlice(blocks) { range in
                let r0 = range.lowerBound * rowQuantum
                let aRow = ta == .none ? a + r0 * lda : a + r0
                sgemm(ta, tb, m: range.count * rowQuantum, n: n, k: k, alpha: alpha, a: aRow, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c + r0 * ldc, ldc: ldc)
            }
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
            if m == 1 && tb == .transposed {
                // A single row times Bᵀ is a matrix-vector product: sgemv streams the weights once,
                // where sgemm would first pack them (decode steps are memory-bound).
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(w), Int32(k), alpha, b + j0 * ldb, Int32(ldb),
                            a, ta == .none ? 1 : Int32(lda), beta, c + j0, 1)
                return
            }
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
