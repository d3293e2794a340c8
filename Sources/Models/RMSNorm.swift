// RMSNorm as transformers' LlamaRMSNorm: y = w ⊙ x·r with r = 1/sqrt(mean(x²) + eps).
// Backward: dx = r·(w⊙dy) − (r³/n)·x·Σⱼ(w⊙dy⊙x)ⱼ, dw = Σ_rows dy⊙x·r. (Inference uses
// Kernels.rmsNorm; this is the training pair, which also keeps r.)

import Tensors

extension TrainingEngine {
    /// y = norm(x) for `rows` rows starting at the pointers; rstd[r] keeps r for the backward.
    func rmsNormForward(_ x: UnsafePointer<T>, weight w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                        rstd: UnsafeMutablePointer<T>, rows: Int) {
        let n = d, eps = self.eps
        forRange(rows) { row in
            let xr = x + row * n, yr = y + row * n
            var ss: T = 0
            for i in 0..<n { ss += xr[i] * xr[i] }
            let r = 1 / (ss / T(n) + eps).squareRoot()
            rstd[row] = r
            for i in 0..<n { yr[i] = w[i] * (xr[i] * r) }
        }
    }

    /// For each (source row, gradient row) pair: dx[src] += ∂/∂x, dw += ∂/∂w. dw is summed over the
    /// pairs in order per column (deterministic for any thread count).
    func rmsNormBackward(dy: UnsafePointer<T>, x: UnsafePointer<T>, weight w: UnsafePointer<T>, rstd: UnsafePointer<T>,
                         pairs: [(x: Int, y: Int)], dx: UnsafeMutablePointer<T>, dw: UnsafeMutablePointer<T>) {
        let n = d
        forRange(pairs.count) { k in
            let (xi, yi) = pairs[k]
            let xr = x + xi * n, g = dy + yi * n, r = rstd[yi], out = dx + xi * n
            var s: T = 0
            for i in 0..<n { s += w[i] * g[i] * xr[i] }
            let c = r * r * r * s / T(n)
            for i in 0..<n { out[i] += r * w[i] * g[i] - c * xr[i] }
        }
        ThreadPool.forEachSlice(n, parts: n < 64 ? 1 : nil) { cols in
            for (xi, yi) in pairs {
                let xr = x + xi * n, g = dy + yi * n, r = rstd[yi]
                for i in cols { dw[i] += g[i] * xr[i] * r }
            }
        }
    }
}
