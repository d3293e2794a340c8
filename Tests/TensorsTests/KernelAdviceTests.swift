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

    func testReexecutionKeepsTheUsersChoiceAndNeverLoops() {
        let bf16: Set = ["avx2", "fma", "avx512f", "avx512vl", "avx512_bf16"]
        XCTAssertEqual(KernelAdvice.reexecCore(environment: [:], coreName: "Prescott", cpuFlags: bf16), "Cooperlake")
        XCTAssertNil(KernelAdvice.reexecCore(environment: ["OPENBLAS_CORETYPE": "Haswell"], coreName: "Prescott", cpuFlags: bf16))
        XCTAssertNil(KernelAdvice.reexecCore(environment: ["SFTGO_KERNEL_AUTO": "0"], coreName: "Prescott", cpuFlags: bf16))
        XCTAssertEqual(KernelAdvice.reexecCore(environment: ["SFTGO_KERNEL_AUTO": "1"], coreName: "Prescott", cpuFlags: bf16), "Cooperlake")
        // Re-executed once already (the library still chose Prescott, e.g. it ignores the variable): stop.
        XCTAssertNil(KernelAdvice.reexecCore(environment: [KernelAdvice.libraryDefaultVariable: "Prescott"],
                                             coreName: "Prescott", cpuFlags: bf16))
        XCTAssertNil(KernelAdvice.reexecCore(environment: [:], coreName: "Zen", cpuFlags: bf16))
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
