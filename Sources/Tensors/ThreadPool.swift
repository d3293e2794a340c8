// Work splitting across cores. The pool size comes from env SFTGO_THREADS (default: all cores).
// OpenBLAS itself is kept single-threaded: Gemm.parallel splits each product into pieces whose
// boundaries never change a single output element (see Gemm), and runs them on this pool. That keeps
// results identical for any thread count and avoids OpenBLAS's spinning workers competing with ours.

import CBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public enum ThreadPool {
    private static var configured: Int = {
        let n = ThreadPool.defaultThreadCount()
        openblas_set_num_threads(1)
        return n
    }()

    /// Threads used by parallel loops and Gemm.parallel.
    public static var threadCount: Int { configured }

    /// Overrides SFTGO_THREADS (tests compare 1 against 2 threads).
    public static func configure(threads: Int) {
        _ = configured
        configured = max(1, threads)
        openblas_set_num_threads(1)
    }

    /// Upper bound on SFTGO_THREADS (more is a typo, not a machine).
    public static let maxThreads = 4096

    /// A SFTGO_THREADS value: a whole number 1...maxThreads, else nil.
    public static func parseThreadCount(_ s: String) -> Int? {
        guard let n = Int(s), (1...maxThreads).contains(n) else { return nil }
        return n
    }

    static func defaultThreadCount() -> Int {
        // The commands refuse an invalid value up front (CommandLineChecks); library users get all cores.
        if let s = getenv("SFTGO_THREADS"), let n = parseThreadCount(String(cString: s)) { return n }
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, cores)
    }

    /// Calls body(range) on `parts` contiguous, near-equal slices of 0..<n, in parallel.
    /// Slice boundaries depend on `parts` only, so bodies must compute each index independently.
    public static func forEachSlice(_ n: Int, parts requested: Int? = nil, _ body: (Range<Int>) -> Void) {
        let parts = min(max(1, requested ?? threadCount), n)
        if parts <= 1 { if n > 0 { body(0..<n) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            body((n * p / parts)..<(n * (p + 1) / parts))
        }
    }

    /// Calls body(i) for every i in 0..<n; tasks are handed out dynamically to threadCount workers
    /// (for tasks of unequal cost, e.g. attention blocks). body must not depend on which worker runs it.
    public static func forEachTask(_ n: Int, _ body: (Int) -> Void) {
        let workers = min(threadCount, n)
        if workers <= 1 { for i in 0..<n { body(i) }; return }
        let counter = TaskCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = counter.next()
                if i >= n { break }
                body(i)
            }
        }
    }
}

/// A mutex-protected counter (coarse tasks only, so a lock per task is negligible).
final class TaskCounter {
    private var value = 0
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func next() -> Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let v = value
        value += 1
        return v
    }
}
