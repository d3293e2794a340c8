#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// OpenBLAS (DYNAMIC_ARCH) picks its kernel from the CPU model it knows. On a CPU newer than the
/// library (OpenBLAS 0.3.21 on an Intel Xeon of family 6 model 207, measured here) it falls back to the
/// generic SSE3 "Prescott" kernels although the CPU runs AVX-512: sgemm measured 2.2 GFLOP/s there
/// against 17.7 with OPENBLAS_CORETYPE=Cooperlake. The kernel is fixed when the library loads, so the
/// engine cannot switch it; it says, once, which OPENBLAS_CORETYPE the CPU supports.
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

    /// The warning text for this machine, or nil.
    public static let message: String? = {
        guard let better = betterCore(coreName: GemmCalibration.coreName, cpuFlags: cpuFlags()) else { return nil }
        return "sftgo: warning: OpenBLAS chose its generic \(GemmCalibration.coreName) kernels on a CPU that runs "
            + "\(better)'s (the library does not know this CPU model); matrix products run several times slower. "
            + "Run with OPENBLAS_CORETYPE=\(better) for speed; the kernel is recorded in every run's provenance."
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
