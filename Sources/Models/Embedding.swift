// Token embedding: x[row] = E[token]. Backward scatters each row's gradient into its token's
// embedding row, rows in order (deterministic); with a tied head the same tensor also receives the
// LM head's gradient (Head.swift), so both uses are summed in one place.

import Tensors

extension TrainingEngine {
    func embeddingForward(_ pb: PackedBatch, out x: UnsafeMutablePointer<T>) {
        let E = P + layout.embed, d = self.d
        forRange(pb.rows) { r in
            let t = pb.tokenOfRow[r]
            if t >= 0 { (x + r * d).update(from: E + t * d, count: d) } else { (x + r * d).update(repeating: 0, count: d) }
        }
    }

    func embeddingBackward(_ pb: PackedBatch, dx: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>) {
        let dE = G + layout.embed
        for r in 0..<pb.rows {
            let t = pb.tokenOfRow[r]
            guard t >= 0 else { continue }
            let src = dx + r * d, dst = dE + t * d
            for i in 0..<d { dst[i] += src[i] }
        }
    }
}
