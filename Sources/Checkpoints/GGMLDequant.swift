/// Dequantisation exactly as ggml (and gguf-py, which transformers uses) computes it: every value
/// is one float32 product (plus one float32 add for Q4_1) of the block scale and the integer.
enum GGMLDequant {
    static func dequantise(_ src: UnsafeRawBufferPointer, type: GGMLType, count n: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        let p = src.baseAddress!
        switch type.id {
        case GGMLType.f32.id:
            UnsafeMutableRawPointer(dst).copyMemory(from: p, byteCount: n * 4)  // alignment may be < 4
        case GGMLType.f16.id:
            for i in 0 ..< n { dst[i] = halfToFloat(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case GGMLType.bf16.id:
            for i in 0 ..< n {
                dst[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case GGMLType.q8_0.id:
            // block: f16 d, int8 q[32];  y = d * q
            for b in 0 ..< n / 32 {
                let blk = p + b * 34
                let d = halfToFloat(blk.loadUnaligned(as: UInt16.self))
                let q = (blk + 2).assumingMemoryBound(to: Int8.self)
                let y = dst + b * 32
                for j in 0 ..< 32 { y[j] = Float(q[j]) * d }
            }
        case GGMLType.q4_0.id:
            // block: f16 d, uint8 qs[16]; low nibbles are elements 0..15, high nibbles 16..31; y = (q - 8) * d
            for b in 0 ..< n / 32 {
                let blk = p + b * 18
                let d = halfToFloat(blk.loadUnaligned(as: UInt16.self))
                let qs = (blk + 2).assumingMemoryBound(to: UInt8.self)
                let y = dst + b * 32
                for j in 0 ..< 16 {
                    y[j] = Float(Int(qs[j] & 0x0F) - 8) * d
                    y[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
                }
            }
        case GGMLType.q4_1.id:
            // block: f16 d, f16 m, uint8 qs[16]; y = q * d + m
            for b in 0 ..< n / 32 {
                let blk = p + b * 20
                let d = halfToFloat(blk.loadUnaligned(as: UInt16.self))
                let m = halfToFloat(blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                let qs = (blk + 4).assumingMemoryBound(to: UInt8.self)
                let y = dst + b * 32
                for j in 0 ..< 16 {
                    y[j] = Float(qs[j] & 0x0F) * d + m
                    y[j + 16] = Float(qs[j] >> 4) * d + m
                }
            }
        default:
            preconditionFailure("dequantise called for \(type)")  // callers check canDequantise
        }
    }
}
