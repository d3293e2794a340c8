import XCTest
@testable import Tensors

final class KernelAdviceTests: XCTestCase {
    func testGenericKernelOnAModernCPUGetsTheCoreTypeItSupports() {
        let avx512bf16: Set = ["sse3", "avx2", "fma", "avx512f", "avx512vl", "avx512_bf16"]
        XCTAssertEqual(KernelAdvice.betterCore(coreName: "Prescott", cpuFlags: avx512bf16), "Cooperlake")
        XCTAssertEqual(KernelAdvice.betterCore(coreName: "Prescott", cpuFlags: ["avx2", "fma", "avx512f", "avx512vl"]), "SkylakeX")
        XCTAssertEqual(KernelAdvice.betterCore(coreName: "Nehalem", cpuFlags: ["avx2", "fma"]), "Haswell")
    }

    func testFittingKernelOrOldCPUGetsNoAdvice() {
        XCTAssertNil(KernelAdvice.betterCore(coreName: "Cooperlake", cpuFlags: ["avx512f", "avx512_bf16"]))
        XCTAssertNil(KernelAdvice.betterCore(coreName: "Zen", cpuFlags: ["avx2", "fma"]))
        XCTAssertNil(KernelAdvice.betterCore(coreName: "Prescott", cpuFlags: ["sse3"]))
    }

    func testThisMachinesFlagsAreRead() throws {
        #if arch(x86_64) && os(Linux)
        let flags = KernelAdvice.cpuFlags()
        XCTAssertTrue(flags.contains("sse2"), "cpuinfo flags not parsed: \(flags.sorted().prefix(5))")
        print("openblas core \(GemmCalibration.coreName); advice: \(KernelAdvice.message ?? "none")")
        #else
        throw XCTSkip("reads /proc/cpuinfo on x86-64 Linux")
        #endif
    }
}
