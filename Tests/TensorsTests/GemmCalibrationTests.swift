import XCTest
@testable import Tensors

/// A stand-in for a BLAS kernel with a known row blocking: every element is the exact product
/// rounded to Float, then offset by a few ulps that encode which "micro-kernel" computed its row —
/// the way real kernels' different accumulation orders change the last bits.
struct SimulatedKernel {
    enum Tail { case smallerKernels, likeFullBlocks }
    var block: Int
    var halves: Bool          // the two halves of a block round differently (OpenBLAS's Zen kernel)
    var tail: Tail
    var countDependent = false // rounding depends on the call's row count (no quantum can work)
    var widthDependent = false // rounding depends on the call's column count (no column split can work)

    /// Which rounding row i of a call of m rows gets.
    func variant(row i: Int, rows m: Int) -> UInt32 {
        if countDependent { return UInt32(m % 997) }
        let full = m / block * block
        if i < full || tail == .likeFullBlocks {
            return halves && i % block >= block / 2 ? 1 : 0
        }
        // Leftover rows go through 8-, 4-, 2- and 1-row kernels, each its own rounding.
        var r = full, variant: UInt32 = 2
        for size in [8, 4, 2, 1] where size < block {
            while m - r >= size {
                if i < r + size { return variant }
                r += size
            }
            variant += 1
        }
        return variant
    }

    var kernel: GemmCalibration.Kernel {
        { ta, tb, m, n, k, a, lda, b, ldb, c in
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = ta == .none ? a[i * lda + p] : a[p * lda + i]
                        let bv = tb == .none ? b[p * ldb + j] : b[j * ldb + p]
                        s += Double(av) * Double(bv)
                    }
                    let w: UInt32 = self.widthDependent ? UInt32(n % 3) : 0
                    c[i * n + j] = Float(bitPattern: Float(s).bitPattern &+ self.variant(row: i, rows: m) &+ w)
                }
            }
        }
    }
}

final class GemmCalibrationTests: XCTestCase {
    let shapes = [GemmShape(n: 16, k: 8), GemmShape(n: 40, k: 96), GemmShape(n: 24, k: 600, tb: .none),
                  GemmShape(n: 8, k: 300, ta: .transposed, tb: .none)]

    func testFindsTheBlockingOfKernelsWithSmallerTailKernels() {
        for block in [8, 12, 16, 24, 32] {
            for halves in [false, true] {
                let k = SimulatedKernel(block: block, halves: halves, tail: .smallerKernels)
                for shape in shapes {
                    XCTAssertEqual(GemmCalibration.smallestQuantum(shape, kernel: k.kernel), block,
                                   "block \(block), halves \(halves), \(shape)")
                }
            }
        }
    }

    func testTailsRoundedLikeFullBlocks() {
        // Rows differ only by position in the block: the block is still the quantum.
        let halves = SimulatedKernel(block: 24, halves: true, tail: .likeFullBlocks)
        XCTAssertEqual(GemmCalibration.smallestQuantum(shapes[1], kernel: halves.kernel), 24)
        // Every row rounded alike: any row count works.
        let uniform = SimulatedKernel(block: 16, halves: false, tail: .likeFullBlocks)
        XCTAssertEqual(GemmCalibration.smallestQuantum(shapes[1], kernel: uniform.kernel), 1)
    }

    func testNoQuantumForARowCountDependentKernel() {
        let k = SimulatedKernel(block: 12, halves: true, tail: .smallerKernels, countDependent: true)
        XCTAssertNil(GemmCalibration.smallestQuantum(shapes[0], kernel: k.kernel))
    }

    /// A model's quantum: the smallest candidate all its shapes' quanta divide, confirmed by the probe;
    /// none when one shape has none.
    func testCommonQuantumOfSeveralShapes() {
        XCTAssertEqual(GemmCalibration.commonQuantum([12, 32, 4], verify: { _ in true }), 96)
        XCTAssertEqual(GemmCalibration.commonQuantum([12, 8], verify: { _ in true }), 24)
        XCTAssertEqual(GemmCalibration.commonQuantum([1, 2, 4], verify: { _ in true }), 4)
        XCTAssertEqual(GemmCalibration.commonQuantum([6, 4], verify: { $0 != 12 }), 24)
        XCTAssertNil(GemmCalibration.commonQuantum([6, nil], verify: { _ in true }))
    }

    /// This machine's kernel, for the shapes the engine issues: the quantum found must make real
    /// OpenBLAS rows invariant (GemmTests checks wider shapes), and the kernel name is recorded.
    func testThisMachinesCalibrationIsRecorded() {
        for (name, shapes) in [("SmolLM2-135M", [GemmShape(n: 960, k: 576), GemmShape(n: 576, k: 576),
                                                 GemmShape(n: 3072, k: 576), GemmShape(n: 576, k: 1536)]),
                               ("tiny-gqa-tied", [GemmShape(n: 128, k: 64), GemmShape(n: 64, k: 64),
                                                  GemmShape(n: 320, k: 64), GemmShape(n: 64, k: 160)])] {
            let c = GemmCalibration.forShapes(shapes)
            XCTAssertTrue(GemmCalibration.candidates.contains(c.rowQuantum))
            XCTAssertFalse(c.coreName.isEmpty)
            XCTAssertEqual(c.provenance.map(\.0), ["openblas_core", "openblas_core_source", "gemm_row_quantum", "gemm_mode", "single_row_rule", "threads"])
            print("calibration \(name): OpenBLAS core \(c.coreName), row quantum \(c.rowQuantum), blockwise \(c.blockwise)")
        }
    }

    /// The fallback path: products issued as fixed calls of one quantum each equal a per-block loop of
    /// plain sgemm calls, for any thread count.
    func testBlockwiseFallbackIsOneCallPerBlock() {
        let fallback = GemmCalibration(rowQuantum: 12, blockwise: true, coreName: "simulated")
        let (m, n, k) = (60, 40, 70)
        let a = randomMatrix(m * k, seed: 21), b = randomMatrix(n * k, seed: 22)
        var expected = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            expected.withUnsafeMutableBufferPointer { pc in
                for r0 in stride(from: 0, to: m, by: 12) {
                    Gemm.sgemm(.none, .transposed, m: 12, n: n, k: k, a: pa.baseAddress! + r0 * k, lda: k, b: b, ldb: k,
                               c: pc.baseAddress! + r0 * n, ldc: n)
                }
            }
        }
        defer { ThreadPool.configure(threads: ThreadPool.defaultThreadCount()) }
        for threads in [1, 2, 3] {
            ThreadPool.configure(threads: threads)
            var got = [Float](repeating: 0, count: m * n)
            got.withUnsafeMutableBufferPointer {
                Gemm.parallel(.none, .transposed, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: $0.baseAddress!, ldc: n,
                              calibration: fallback)
            }
            XCTAssertEqual(mismatches(got, expected), 0, "threads \(threads)")
        }
    }

    func testColumnSplitIsProbedNotAssumed() {
        let shape = GemmShape(n: 200, k: 24)
        let plain = SimulatedKernel(block: 8, halves: false, tail: .likeFullBlocks)
        let probe = Probe(shape: shape, kernel: plain.kernel)
        XCTAssertTrue(probe.columnSplitPasses(8))
        probe.free()
        var wide = plain
        wide.widthDependent = true
        let probe2 = Probe(shape: shape, kernel: wide.kernel)
        XCTAssertFalse(probe2.columnSplitPasses(8), "a kernel whose rounding depends on the call's width must not be split")
        probe2.free()
    }

    /// On the running OpenBLAS: where the probe allows the column split, Gemm.parallel's few-row calls
    /// (split by columns on 2 threads) give each row the bits of one long single-threaded call.
    func testFewRowPassesKeepTheBitsOfTheLongCall() {
        ThreadPool.configure(threads: 2)
        defer { ThreadPool.configure(threads: ThreadPool.defaultThreadCount()) }
        // SmolLM2-135M's products (the common quantum of a model's shapes is what a pass uses).
        let (n, k) = (3072, 576)
        let c = GemmCalibration.forShapes([GemmShape(n: 960, k: 576), GemmShape(n: 576, k: 576), GemmShape(n: n, k: k),
                                           GemmShape(n: 576, k: 1536)])
        for sh in [GemmShape(n: 960, k: 576), GemmShape(n: 576, k: 576), GemmShape(n: n, k: k), GemmShape(n: 576, k: 1536),
                   GemmShape(n: 49152, k: 576)] {
            let one = GemmCalibration.forShape(sh)
            print("column split on \(one.coreName) for \(sh): \(one.columnSplit), quantum \(one.rowQuantum)")
        }
        XCTAssertFalse(c.columnSplit, "a model-level calibration carries no column-split verdict; Gemm.parallel probes per shape")
        let rows = 256, q = c.rowQuantum
        let one = GemmCalibration.forShape(GemmShape(n: n, k: k))   // what Gemm.parallel uses for this product
        let a = Probe.buffer(rows * k, seed: 7), b = Probe.buffer(n * k, seed: 8)
        let ref = UnsafeMutablePointer<Float>.allocate(capacity: rows * n), part = UnsafeMutablePointer<Float>.allocate(capacity: 64 * n)
        defer { a.deallocate(); b.deallocate(); ref.deallocate(); part.deallocate() }
        Gemm.sgemm(.none, .transposed, m: rows, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: ref, ldc: n)
        for m in [q, 2 * q, 5 * q, 64 / q * q] where m <= 64 && m > 1 {   // one row takes sgemv (single_row_rule)
            let r0 = 3 * q
            Gemm.parallel(.none, .transposed, m: m, n: n, k: k, a: a + r0 * k, lda: k, b: b, ldb: k, c: part, ldc: n, calibration: one)
            var diff = 0
            for i in 0..<(m * n) where part[i].bitPattern != ref[r0 * n + i].bitPattern { diff += 1 }
            XCTAssertEqual(diff, 0, "\(m) rows: \(diff) elements differ from the long call")
        }
    }
}
