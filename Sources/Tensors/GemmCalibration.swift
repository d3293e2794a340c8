// Which rows of an sgemm come out with the same bits: measured on the running OpenBLAS kernel, per
// product shape, once per process, instead of assumed.
//
// A BLAS kernel walks the rows of C in blocks and finishes leftover rows with smaller kernels that
// round differently, so a row's bits are a function of its position modulo the block only in calls
// whose row count is a multiple of it. The block is not one number per CPU: OpenBLAS's Zen kernels
// gave 12 for every shape the engine used, its Cooperlake kernels (AVX-512) give 1–4 for a 135M
// model's products but 6–48 for tiny ones (the row blocking there scales with 1/N), and a few
// shapes (N=8, K=1100) have none. So the probe runs per shape: the smallest candidate q for which
// every partial call of a multiple of q rows equals the same rows of one 768-row reference call. A
// model takes the smallest candidate that all its shapes' quanta divide (re-probed to confirm).
//
// If some shape has no quantum, the fallback is invariant by construction: products run as calls of
// exactly `fallbackQuantum` rows each, so every row is always computed by one and the same call shape
// at one and the same position (Gemm.parallel's blockwise mode; a warning is printed once).
//
// Single rows (decode steps) never depend on this: Gemm.parallel computes them in fixed 256-column
// chunks whose call shapes do not depend on the thread count.

import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// One product shape as the engine issues it: C[m×n] = A[m×k]·op(B), rows m free.
public struct GemmShape: Hashable, Sendable, CustomStringConvertible {
    public var n: Int, k: Int, ta: Transpose, tb: Transpose
    public init(n: Int, k: Int, ta: Transpose = .none, tb: Transpose = .transposed) {
        self.n = n; self.k = k; self.ta = ta; self.tb = tb
    }
    public var description: String {
        "\(ta == .transposed ? "T" : "N")\(tb == .transposed ? "T" : "N") n=\(n) k=\(k)"
    }
}

public struct GemmCalibration: Sendable, Equatable {
    /// Rows are bit-stable at the same position modulo this many rows (calls of a multiple of it).
    public var rowQuantum: Int
    /// True when no candidate passed: products run as calls of exactly rowQuantum rows each.
    public var blockwise: Bool
    /// openblas_get_corename(), e.g. "Zen", "Cooperlake", "Haswell" (or "simulated" in tests).
    public var coreName: String
    /// True when calls of few rows split at 64-aligned columns give the bits of the whole call (probed
    /// per shape, so only `forShape` sets it): Gemm.parallel then splits small passes by columns, so
    /// each thread packs only its share of B.
    public var columnSplit: Bool = false

    public init(rowQuantum: Int, blockwise: Bool, coreName: String, columnSplit: Bool = false) {
        self.rowQuantum = rowQuantum; self.blockwise = blockwise; self.coreName = coreName; self.columnSplit = columnSplit
    }

    /// Candidates tried in ascending order (1 = every call shape agrees row for row).
    public static let candidates = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96]
    public static let fallbackQuantum = 96
    /// Rows of the reference call each candidate's partial calls are compared with: past the
    /// kernels' M blocking (GEMM_P), a multiple of every candidate.
    static let referenceRows = 768
    /// Wider products are probed at this width: kernels block N in panels narrower than this, so a
    /// row's rounding does not change past it, and the 49152-wide LM head would cost ~0.5 s.
    static let probeWidthCap = 8192

    /// One product C[m×n] = A·op(B) with row-major storage, as a probe sees the kernel.
    public typealias Kernel = (_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int,
                               _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                               _ c: UnsafeMutablePointer<Float>) -> Void

    /// The calibration for products of these shapes on the running OpenBLAS, measured once per
    /// shape per process (tens of milliseconds for a 135M model) and cached.
    public static func forShapes(_ shapes: [GemmShape]) -> GemmCalibration {
        let perShape = shapes.map { cache.quantum(for: $0) }
        let q = commonQuantum(perShape, verify: { c in shapes.allSatisfy { cache.passes($0, quantum: c) } })
        if q == nil { cache.warnOnce(shapes) }
        return GemmCalibration(rowQuantum: q ?? fallbackQuantum, blockwise: q == nil, coreName: coreName)
    }

    /// The calibration Gemm.parallel runs one product under: the shape's own quantum and whether its
    /// few-row calls may be split by columns (the only place that verdict is probed).
    public static func forShape(_ shape: GemmShape) -> GemmCalibration {
        var c = forShapes([shape])
        if !c.blockwise { c.columnSplit = cache.columnSplitPasses(shape, quantum: c.rowQuantum) }
        return c
    }

    /// The smallest candidate that every shape's quantum divides and that `verify` confirms; nil
    /// when some shape has none.
    static func commonQuantum(_ perShape: [Int?], verify: (Int) -> Bool) -> Int? {
        guard perShape.allSatisfy({ $0 != nil }) else { return nil }
        return candidates.first { c in perShape.allSatisfy { c % $0! == 0 } && verify(c) }
    }

    /// The smallest candidate for which rows of one shape are bit-identical, or nil.
    public static func smallestQuantum(_ shape: GemmShape, kernel: @escaping Kernel) -> Int? {
        let probe = Probe(shape: shape, kernel: kernel)
        defer { probe.free() }
        return candidates.first { probe.passes($0) }
    }

    /// What a run's provenance records about the numerics (results JSON, run.json, sftgo-bench micro).
    public var provenance: [(String, String)] {
        [("openblas_core", coreName),
         ("openblas_core_source", KernelAdvice.coreSource),
         ("gemm_row_quantum", String(rowQuantum)),
         ("gemm_mode", blockwise ? "blockwise-fallback"
            : "quantum-aligned; products of up to \(Gemm.columnSplitMaxRows) rows split by columns where a per-shape probe shows the same bits"),
         ("single_row_rule", "fixed \(Gemm.columnChunk)-column chunks (sgemv), independent of thread count"),
         ("threads", String(ThreadPool.threadCount))]
    }

    public static let coreName: String = {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(String(cString: p).filter { $0 != " " && $0 != "\n" })
    }()

    static let openBLAS: Kernel = { ta, tb, m, n, k, a, lda, b, ldb, c in
        _ = ThreadPool.threadCount   // OpenBLAS single-threaded, as the engine calls it
        Gemm.sgemm(ta, tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n)
    }
    static let cache = ProbeCache(kernel: openBLAS)
}

/// Partial calls of `blocks × q` rows starting at block `first`, against one reference call.
struct Probe {
    let shape: GemmShape, kernel: GemmCalibration.Kernel
    let n: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, reference: UnsafeMutablePointer<Float>
    /// (blocks, first block): small calls, and calls of half and nearly all of the reference (the
    /// row counts thread slices and long passes produce).
    static func parts(_ q: Int) -> [(Int, Int)] {
        let total = GemmCalibration.referenceRows / q
        return [(1, 0), (1, 3), (2, 1), (3, 5), (7, 1), (5, 0), (total / 2, total / 2), (total - 1, 1), (total - 3, 0)]
    }

    init(shape: GemmShape, kernel: @escaping GemmCalibration.Kernel) {
        self.shape = shape
        self.kernel = kernel
        n = min(shape.n, GemmCalibration.probeWidthCap)
        let rows = GemmCalibration.referenceRows
        a = Probe.buffer(rows * shape.k, seed: 0x5F7_60)
        b = Probe.buffer(n * shape.k, seed: 0x5F7_61)
        reference = .allocate(capacity: rows * n)
        kernel(shape.ta, shape.tb, rows, n, shape.k, a, lda, b, ldb, reference)
    }

    /// A is [rows × k] (or, transposed, [k × rows]): row r0 of op(A) starts at a + r0·k (or a + r0).
    var lda: Int { shape.ta == .none ? shape.k : GemmCalibration.referenceRows }
    var ldb: Int { shape.tb == .none ? n : shape.k }

    func passes(_ q: Int) -> Bool {
        let part = UnsafeMutablePointer<Float>.allocate(capacity: GemmCalibration.referenceRows * n)
        defer { part.deallocate() }
        for (blocks, first) in Probe.parts(q) where blocks > 0 && (first + blocks) * q <= GemmCalibration.referenceRows {
            let m = blocks * q, r0 = first * q
            kernel(shape.ta, shape.tb, m, n, shape.k, shape.ta == .none ? a + r0 * shape.k : a + r0, lda, b, ldb, part)
            for i in 0..<(m * n) where part[i].bitPattern != reference[r0 * n + i].bitPattern { return false }
        }
        return true
    }

    /// Calls of the few-row counts Gemm.parallel splits by columns (up to `Gemm.columnSplitMaxRows`),
    /// cut at 64-aligned columns into two calls, against the reference.
    func columnSplitPasses(_ q: Int) -> Bool {
        // The cuts Gemm.parallel makes for 2–4 threads (narrow pieces would meet OpenBLAS's small-matrix
        // kernels, which round differently; a probe of them would refuse every split).
        let cuts = Set((2...4).flatMap { t in (1..<t).map { Gemm.columnSplitBoundary($0, of: n, parts: t) } }).filter { $0 > 0 && $0 < n }
        guard !cuts.isEmpty else { return false }
        let part = UnsafeMutablePointer<Float>.allocate(capacity: Gemm.columnSplitMaxRows * n)
        defer { part.deallocate() }
        // Every row count up to 16 that a multiple of q gives, then a few larger ones.
        for m in Set(Array(2...16) + [24, 32, 48, Gemm.columnSplitMaxRows]) where m % q == 0 && m <= Gemm.columnSplitMaxRows {
            let r0 = q
            let aRow = shape.ta == .none ? a + r0 * shape.k : a + r0
            for c0 in cuts {
                for (j0, w) in [(0, c0), (c0, n - c0)] {
                    kernel(shape.ta, shape.tb, m, w, shape.k, aRow, lda, shape.tb == .none ? b + j0 : b + j0 * shape.k, ldb, part)
                    for i in 0..<m {
                        for j in 0..<w where part[i * w + j].bitPattern != reference[(r0 + i) * n + j0 + j].bitPattern { return false }
                    }
                }
            }
        }
        return true
    }

    func free() { [a, b, reference].forEach { $0.deallocate() } }

    /// Uniform values in [-1, 1) from the counter-based RNG; the caller deallocates.
    static func buffer(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
        let rng = Philox4x32(seed: seed)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        for i in 0..<count { p[i] = rng.uniform(UInt64(i)) * 2 - 1 }
        return p
    }
}

/// Per-shape results, shared by every model in the process.
final class ProbeCache: @unchecked Sendable {
    private let lock = NSLockLike()
    private var quanta: [GemmShape: Int?] = [:]
    private var verdicts: [GemmShape: [Int: Bool]] = [:]
    private var warned = false
    private let kernel: GemmCalibration.Kernel
    init(kernel: @escaping GemmCalibration.Kernel) { self.kernel = kernel }

    func quantum(for shape: GemmShape) -> Int? {
        lock.locked {
            if let q = quanta[shape] { return q }
            KernelAdvice.warnOnce()
            let probe = Probe(shape: shape, kernel: kernel)
            defer { probe.free() }
            var found: Int? = nil
            for c in GemmCalibration.candidates {
                let ok = probe.passes(c)
                verdicts[shape, default: [:]][c] = ok
                if ok { found = c; break }
            }
            quanta[shape] = found
            return found
        }
    }

    func warnOnce(_ shapes: [GemmShape]) {
        let first = lock.locked { () -> Bool in defer { warned = true }; return !warned }
        guard first else { return }
        let none = shapes.filter { quantum(for: $0) == nil }.map(\.description).joined(separator: ", ")
        fputs("sftgo: warning: OpenBLAS's \(GemmCalibration.coreName) kernel gives no row quantum for \(none); " +
              "those products run as fixed calls of \(GemmCalibration.fallbackQuantum) rows (slower, still batch-invariant)\n", stderr)
    }

    private var splits: [GemmShape: [Int: Bool]] = [:]
    func columnSplitPasses(_ shape: GemmShape, quantum q: Int) -> Bool {
        verdict(\.splits, shape, q) { $0.columnSplitPasses(q) }
    }

    func passes(_ shape: GemmShape, quantum c: Int) -> Bool {
        verdict(\.verdicts, shape, c) { $0.passes(c) }
    }

    /// One probe per (shape, quantum) and table, kept for the process.
    private func verdict(_ table: ReferenceWritableKeyPath<ProbeCache, [GemmShape: [Int: Bool]]>, _ shape: GemmShape,
                         _ q: Int, _ test: (Probe) -> Bool) -> Bool {
        if let v = lock.locked({ self[keyPath: table][shape]?[q] }) { return v }
        let probe = Probe(shape: shape, kernel: kernel)
        defer { probe.free() }
        let ok = test(probe)
        lock.locked { self[keyPath: table][shape, default: [:]][q] = ok }
        return ok
    }
}

/// A pthread mutex (Tensors does not import Foundation).
final class NSLockLike: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return body()
    }
}
