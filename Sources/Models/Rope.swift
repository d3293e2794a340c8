// Rotary position embedding as transformers' Llama: inverse frequencies (default or "llama3"
// scaling), angles pos·invFreq rounded to f32, and HF's rotate_half pairing (i, i + headDim/2).

import Checkpoints
import Foundation

final class RopeTable {
    let half: Int
    let invFreq: [Float]
    private(set) var cos: [Float] = []
    private(set) var sin: [Float] = []
    private(set) var positions = 0

    init(config c: LlamaConfig) throws {
        let dim = c.headDim
        half = dim / 2
        var inv = (0..<half).map { i -> Float in
            let e = Float(2 * i) / Float(dim)
            return 1 / Float(Foundation.pow(c.ropeTheta, Double(e)))
        }
        if let s = c.ropeScaling {
            switch s.ropeType {
            case "default": break
            case "llama3":
                let lowWavelen = Double(s.originalMaxPositionEmbeddings) / s.lowFreqFactor
                let highWavelen = Double(s.originalMaxPositionEmbeddings) / s.highFreqFactor
                inv = inv.map { f -> Float in
                    let wavelen = 2 * Double.pi / Double(f)
                    if wavelen > lowWavelen { return Float(Double(f) / s.factor) }
                    if wavelen < highWavelen { return f }
                    let smooth = (Double(s.originalMaxPositionEmbeddings) / wavelen - s.lowFreqFactor)
                        / (s.highFreqFactor - s.lowFreqFactor)
                    return Float((1 - smooth) * Double(f) / s.factor + smooth * Double(f))
                }
            default:
                throw ModelError.unsupported("rope_type '\(s.ropeType)' (supported: default, llama3)")
            }
        }
        invFreq = inv
    }

    /// Makes sure positions 0..<n are tabulated.
    func ensure(_ n: Int) {
        guard n > positions else { return }
        var newN = max(positions * 2, 256)
        while newN < n { newN *= 2 }
        var c = [Float](repeating: 0, count: newN * half), s = c
        for p in 0..<newN {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[p * half + i] = Float(Foundation.cos(Double(angle)))
                s[p * half + i] = Float(Foundation.sin(Double(angle)))
            }
        }
        cos = c; sin = s; positions = newN
    }

    /// Rotates `heads` consecutive head vectors of one token at position `pos` in place.
    @inline(__always)
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, pos: Int) {
        cos.withUnsafeBufferPointer { cp in
            sin.withUnsafeBufferPointer { sp in
                let c = cp.baseAddress! + pos * half, s = sp.baseAddress! + pos * half
                for h in 0..<heads {
                    let v = x + h * headDim
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        v[i] = a * c[i] - b * s[i]
                        v[i + half] = b * c[i] + a * s[i]
                    }
                }
            }
        }
    }
}

extension TrainingEngine {
    /// Rotates `heads` head vectors at x (one token at `pos`) by the batch's tables; backward
    /// (`inverse`) rotates by −angle, the transpose of the rotation.
    @inline(__always)
    func rope(_ x: UnsafeMutablePointer<T>, heads: Int, pos: Int, _ A: Activations<T>, inverse: Bool) {
        let half = headDim / 2
        A.ropeCos.withUnsafeBufferPointer { cp in
            A.ropeSin.withUnsafeBufferPointer { sp in
                let c = cp.baseAddress! + pos * half, s = sp.baseAddress! + pos * half
                for h in 0..<heads {
                    let v = x + h * headDim
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        let sn = inverse ? -s[i] : s[i]
                        v[i] = a * c[i] - b * sn
                        v[i + half] = b * c[i] + a * sn
                    }
                }
            }
        }
    }
}
