#if canImport(Glibc)
import Glibc
#endif
import CBLAS
import Foundation

/// OpenBLAS (DYNAMIC_ARCH) picks its kernel from the CPU model it knows. On a CPU newer than the
/// library (OpenBLAS 0.3.21 on an Intel Xeon of family 6 model 207, measured here) it falls back to the
/// generic SSE3 "Prescott" kernels although the CPU runs AVX-512: sgemm measured 2.2 GFLOP/s there
/// against 17.7 with OPENBLAS_CORETYPE=Cooperlake. The kernel is fixed when the library loads, so a
/// process cannot switch it; the command-line tools re-execute themselves once with the core type set
/// (`useFittingKernel`), and anything else (a test process, SFTGO_KERNEL_AUTO=0) is told, once.
public enum KernelAdvice {
    /// OpenBLAS's pre-AVX2 kernel names: choosing one of these on an AVX2/AVX-512 CPU is a fallback.
    static let genericCores: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine",
        "Northwood", "Banias", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Generic", "unknown",
    ]

    /// The OPENBLAS_CORETYPE worth setting, or nil when the chosen kernel already fits the CPU.
    public static func betterCore(coreName: String, cpuFlags: Set<String>) -> String? {
        guard genericCores.contains(coreName) else { return nil }
        if cpuFlags.contains("avx512_bf16") && cpuFlags.contains("avx512f") { return "Cooperlake" }
        if cpuFlags.contains("avx512f") && cpuFlags.contains("avx512vl") { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Set in a process that sftgo re-executed with a better kernel: the core the library chose alone.
    static let libraryDefaultVariable = "SFTGO_OPENBLAS_LIBRARY_CORE"

    /// The core type to re-execute with, or nil: a user's OPENBLAS_CORETYPE is always kept, SFTGO_KERNEL_AUTO=0
    /// turns the choice off, and a process already re-executed never tries again.
    public static func reexecCore(environment: [String: String], coreName: String, cpuFlags: Set<String>) -> String? {
        if environment["OPENBLAS_CORETYPE"] != nil || environment["SFTGO_KERNEL_AUTO"] == "0"
            || environment[libraryDefaultVariable] != nil { return nil }
        return betterCore(coreName: coreName, cpuFlags: cpuFlags)
    }

    /// Replaces this process by itself with OPENBLAS_CORETYPE set when the library fell back to generic
    /// kernels the CPU outgrows; returns (changing nothing) otherwise or when exec fails. Call first in main,
    /// before any thread starts.
    public static func useFittingKernel() {
        let env = ProcessInfo.processInfo.environment
        guard let core = reexecCore(environment: env, coreName: GemmCalibration.coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(libraryDefaultVariable, GemmCalibration.coreName, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")   // exec failed: carry on with the library's choice (and its warning)
    }

    /// How the kernel was chosen, for provenance.
    public static var coreSource: String {
        let env = ProcessInfo.processInfo.environment
        if let lib = env[libraryDefaultVariable], env["OPENBLAS_CORETYPE"] != nil {
            return "sftgo set OPENBLAS_CORETYPE (the library alone chose \(lib))"
        }
        return env["OPENBLAS_CORETYPE"] != nil ? "OPENBLAS_CORETYPE" : "library"
    }

    /// The warning text for this machine, or nil.
    public static let message: String? = {
        guard let better = betterCore(coreName: GemmCalibration.coreName, cpuFlags: cpuFlags()) else { return nil }
        return "sftgo: warning: OpenBLAS chose its generic \(GemmCalibration.coreName) kernels on a CPU that runs "
            + "\(better)'s (the library does not know this CPU model); matrix products run several times slower. "
            + "Run with OPENBLAS_CORETYPE=\(better) for speed (sftgo's commands do so themselves unless "
            + "SFTGO_KERNEL_AUTO=0); the kernel is recorded in every run's provenance."
    }()

    private static let once: Void = { if let m = message { fputs(m + "\n", stderr) } }()
    /// Prints `message` to stderr the first time it is called in the process.
    public static func warnOnce() { _ = once }

    /// The `flags` line of /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0, let l = line {
            let s = String(cString: l)
            guard s.hasPrefix("flags"), let colon = s.firstIndex(of: ":") else { continue }
            return Set(s[s.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
        }
        return []
    }
}
