import XCTest
@testable import Training

/// AdamW and the cosine schedule against torch.optim.AdamW / transformers goldens
/// (scripts/reference/adamw_goldens.py → Tests/Fixtures/training/adamw_goldens.json).
final class AdamWTests: XCTestCase {
    struct Goldens: Decodable {
        struct Cosine: Decodable { var total_steps: Int; var warmup_ratio: Double; var peak: Double; var lrs: [Double] }
        var n_decay: Int; var lr: Double; var weight_decay: Double; var betas: [Double]; var eps: Double
        var max_norm: Double; var warmup_ratio: Double; var steps: Int
        var p0: [Float]; var grads: [[Float]]; var params: [[Float]]; var lrs: [Double]
        var params_clipped: [[Float]]; var grad_norms: [Double]; var cosine: Cosine
    }

    func goldens() throws -> Goldens {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/training/adamw_goldens.json")
        return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }

    func run(_ g: Goldens, clip: Bool) -> ([[Float]], [Double], [Double]) {
        let n = g.p0.count
        let opt = AdamW(parameterCount: n, groups: [ParameterGroup(name: "decay", range: 0..<g.n_decay, decay: true),
                                                    ParameterGroup(name: "no_decay", range: g.n_decay..<n, decay: false)],
                        beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weight_decay)
        let sched = CosineSchedule(peak: g.lr, totalSteps: g.steps, warmupRatio: g.warmup_ratio)
        var p = g.p0
        var out: [[Float]] = [], lrs: [Double] = [], norms: [Double] = []
        for s in 0..<g.steps {
            var grad = g.grads[s]
            if clip { norms.append(grad.withUnsafeMutableBufferPointer { AdamW.clipGradNorm($0, maxNorm: g.max_norm) }) }
            let lr = sched.learningRate(step: s)
            lrs.append(lr)
            p.withUnsafeMutableBufferPointer { pp in grad.withUnsafeBufferPointer { opt.update(params: pp, grads: $0, lr: lr) } }
            out.append(p)
        }
        return (out, lrs, norms)
    }

    func assertClose(_ a: [[Float]], _ b: [[Float]], file: StaticString = #filePath, line: UInt = #line) {
        var worst = 0.0
        for (x, y) in zip(a, b) { for (u, v) in zip(x, y) { worst = max(worst, Double(abs(u - v)) / max(1e-6, Double(abs(v)))) } }
        XCTAssertLessThan(worst, 1e-6, "worst relative difference \(worst)", file: file, line: line)
    }

    func testAdamWMatchesTorch() throws {
        let g = try goldens()
        let (p, lrs, _) = run(g, clip: false)
        for (a, b) in zip(lrs, g.lrs) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        XCTAssertEqual(lrs[0], 0)              // warm-up starts at lr 0, as LambdaLR does
        assertClose(p, g.params)
        // Not trivially equal: the parameters moved.
        XCTAssertGreaterThan(zip(p.last!, g.p0).map { abs($0 - $1) }.max()!, 1e-3)
    }

    func testClippedAdamWMatchesTorch() throws {
        let g = try goldens()
        let (p, _, norms) = run(g, clip: true)
        for (a, b) in zip(norms, g.grad_norms) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
        assertClose(p, g.params_clipped)
    }

    func testCosineScheduleMatchesTransformers() throws {
        let c = try goldens().cosine
        let s = CosineSchedule(peak: c.peak, totalSteps: c.total_steps, warmupRatio: c.warmup_ratio)
        XCTAssertEqual(s.warmupSteps, 2)       // ceil(50 · 0.03)
        for (t, want) in c.lrs.enumerated() { XCTAssertEqual(s.learningRate(step: t), want, accuracy: 1e-18, "step \(t)") }
    }
}
