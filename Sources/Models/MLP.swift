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
