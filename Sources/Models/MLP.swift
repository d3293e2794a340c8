// SwiGLU MLP (transformers' LlamaMLP): RMSNorm, fused gate/up projection, silu(gate)·up, down_proj,
// residual.

import Tensors

extension Llama {
    /// MLP block of an inference pass: x += down(silu(gate(norm(x)))·up(norm(x))).
    func mlpBlock(layer l: Int, _ B: PassBuffers) {
        let P = parameters, L = P.layers[l], total = B.total, realRows = B.realRows
        let x = B.x, h = B.h, tmp = B.tmp
        let gu = B.gu, act = B.act
        forRows(realRows) { r in Kernels.rmsNorm(x.p + r * d, weight: P[L.mlpNorm], eps: self.eps, h.p + r * d, self.d) }
        Gemm.parallel(.none, .transposed, m: total, n: 2 * inter, k: d, a: h.p, lda: d, b: P[L.gateUp], ldb: d,
                      c: gu.p, ldc: 2 * inter)
        forRows(realRows) { r in
            let g = gu.p + r * 2 * self.inter
            Kernels.swiglu(gate: g, up: g + self.inter, act.p + r * self.inter, self.inter)
        }
        Gemm.parallel(.none, .transposed, m: total, n: d, k: inter, a: act.p, lda: inter, b: P[L.wDown], ldb: inter,
                      c: tmp.p, ldc: d)
        forRows(realRows) { r in Kernels.add(tmp.p + r * self.d, into: x.p + r * self.d, self.d) }
    }
}

// MARK: training

extension TrainingEngine {
    /// res[l+1] = mid[l] + down(silu(g)·u) with [g; u] = gateUp(norm(mid[l])), keeping h2, g/u, act.
    func mlpForward(layer l: Int, _ pb: PackedBatch, _ A: Activations<T>) {
        let L = layout.layers[l], R = pb.rows, I = inter
        let x = A.mid[l], h = A.h2[l], gu = A.gu[l], act = A.act[l], out = A.res[l + 1]
        rmsNormForward(x, weight: P + L.mlpNorm, h, rstd: A.rstd2[l], rows: R)
        T.gemmParallel(.none, .transposed, m: R, n: 2 * I, k: d, alpha: 1, a: h, lda: d, b: P + L.gateUp, ldb: d,
                       beta: 0, c: gu, ldc: 2 * I)
        forRange(R) { r in
            let g = gu + r * 2 * I, u = g + I, a = act + r * I
            for i in 0..<I { a[i] = g[i] / (1 + T.exp(-g[i])) * u[i] }
        }
        out.update(from: x, count: R * d)
        T.gemmParallel(.none, .transposed, m: R, n: d, k: I, alpha: 1, a: act, lda: I, b: P + L.wDown, ldb: I,
                       beta: 1, c: out, ldc: d)
    }

    /// A.dx holds dL/d res[l+1]; adds the MLP branch so it becomes dL/d mid[l]. SwiGLU backward:
    /// with σ = sigmoid(g), d act/dg = u·σ·(1 + g·(1 − σ)), d act/du = g·σ.
    func mlpBackward(layer l: Int, _ pb: PackedBatch, _ A: Activations<T>, _ G: UnsafeMutablePointer<T>) {
        let L = layout.layers[l], R = pb.rows, I = inter
        let dx = A.dx, dact = A.dact, dgu = A.dgu, gu = A.gu[l]
        T.gemmParallel(.none, .none, m: R, n: I, k: d, alpha: 1, a: dx, lda: d, b: P + L.wDown, ldb: I,
                       beta: 0, c: dact, ldc: I)
        T.gemmParallel(.transposed, .none, m: d, n: I, k: R, alpha: 1, a: dx, lda: d, b: A.act[l], ldb: I,
                       beta: 1, c: G + L.wDown, ldc: I)
        forRange(R) { r in
            let g = gu + r * 2 * I, u = g + I, da = dact + r * I, dg = dgu + r * 2 * I, du = dg + I
            for i in 0..<I {
                let sg = 1 / (1 + T.exp(-g[i]))
                du[i] = da[i] * g[i] * sg
                dg[i] = da[i] * u[i] * sg * (1 + g[i] * (1 - sg))
            }
        }
        T.gemmParallel(.none, .none, m: R, n: d, k: 2 * I, alpha: 1, a: dgu, lda: 2 * I, b: P + L.gateUp, ldb: d,
                       beta: 0, c: A.dh, ldc: d)
        T.gemmParallel(.transposed, .none, m: 2 * I, n: d, k: R, alpha: 1, a: dgu, lda: 2 * I, b: A.h2[l], ldb: d,
                       beta: 1, c: G + L.gateUp, ldc: d)
        rmsNormBackward(dy: A.dh, x: A.mid[l], weight: P + L.mlpNorm, rstd: A.rstd2[l], pairs: (0..<R).map { ($0, $0) },
                        dx: dx, dw: G + L.mlpNorm)
    }
}
