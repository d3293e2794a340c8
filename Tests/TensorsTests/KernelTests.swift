import XCTest
import Foundation
@testable import Tensors

final class KernelTests: XCTestCase {
    /// Measured bound for the vectorised exp over its whole normal range, against Double exp.
    func testVectorExpRelativeErrorBound() {
        var worst = 0.0
        var x: [Float] = []
        var v: Float = -87.0
        while v <= 88.0 { x.append(v); v += 0.000731 }
        x += [0, -0.0, 1, -1, 0.5, 1e-8, -1e-8, 88, -87]
        var y = [Float](repeating: 0, count: x.count)
        vexp(x, &y, count: x.count)
        for (xi, yi) in zip(x, y) {
            let ref = Foundation.exp(Double(xi))
            worst = max(worst, abs(Double(yi) - ref) / ref)
        }
        XCTAssertLessThan(worst, 2.5e-7, "vexp relative error")
        XCTAssertEqual(vexp(Float(0)), 1)
        XCTAssertEqual(vexp(-Float.infinity), 0)
        XCTAssertEqual(vexp(Float(-100)), 0)
        XCTAssertTrue(vexp(Float(1000)).isFinite)
    }

    func testSoftmaxLogSoftmaxAndLogSumExpMatchDouble() {
        for n in [1, 5, 16, 17, 100, 49152 / 64] {
            let x = randomMatrix(n, seed: UInt64(n)).map { $0 * 20 }
            let m = Double(x.max()!)
            let s = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
            var sm = x
            Kernels.softmax(&sm, n)
            for i in 0..<n {
                let ref = Foundation.exp(Double(x[i]) - m) / s
                XCTAssertEqual(Double(sm[i]), ref, accuracy: 1e-6 * max(ref, 1e-3))
                let lp = x.withUnsafeBufferPointer { CrossEntropy.logProb($0.baseAddress!, n, target: i) }
                XCTAssertEqual(Double(lp.logprob), Double(x[i]) - m - Foundation.log(s), accuracy: 1e-5)
                XCTAssertEqual(lp.isArgmax, x[i] == x.max()! && !x[..<i].contains(x[i]))
            }
            XCTAssertEqual(Double(Kernels.logSumExp(x, n)), m + Foundation.log(s), accuracy: 1e-5)
        }
    }

    func testReductionsAndElementwise() {
        let n = 37
        let x = randomMatrix(n, seed: 11), y = randomMatrix(n, seed: 12)
        XCTAssertEqual(Kernels.sum(x, n), x.reduce(0, +), accuracy: 1e-5)
        XCTAssertEqual(Kernels.dot(x, y, n), zip(x, y).map(*).reduce(0, +), accuracy: 1e-5)
        XCTAssertEqual(Kernels.max(x, n), x.max()!)
        XCTAssertEqual(Kernels.argmax([1, 3, 2, 3], 4), 1, "ties go to the lowest index")
        var z = y
        Kernels.add(x, into: &z, n)
        for i in 0..<n { XCTAssertEqual(z[i], x[i] + y[i]) }
        z = y
        Kernels.axpy(0.5, x, &z, n)
        for i in 0..<n { XCTAssertEqual(z[i], y[i] + 0.5 * x[i], accuracy: 1e-6) }
        Kernels.mul(x, y, &z, n)
        for i in 0..<n { XCTAssertEqual(z[i], x[i] * y[i]) }
        z = x
        Kernels.scale(&z, by: 3, n)
        for i in 0..<n { XCTAssertEqual(z[i], 3 * x[i]) }
    }

    func testRMSNormAndSwiGLUMatchDouble() {
        let n = 45
        let x = randomMatrix(n, seed: 13), w = randomMatrix(n, seed: 14)
        var y = [Float](repeating: 0, count: n)
        Kernels.rmsNorm(x, weight: w, eps: 1e-5, &y, n)
        let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        for i in 0..<n { XCTAssertEqual(Double(y[i]), Double(w[i]) * Double(x[i]) / (ms + 1e-5).squareRoot(), accuracy: 1e-6) }
        let g = x.map { $0 * 10 }, u = w
        Kernels.swiglu(gate: g, up: u, &y, n)
        for i in 0..<n {
            let gd = Double(g[i])
            XCTAssertEqual(Double(y[i]), gd / (1 + Foundation.exp(-gd)) * Double(u[i]), accuracy: 1e-5)
        }
    }
}
