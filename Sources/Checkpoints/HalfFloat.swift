/// IEEE half and bfloat16 conversions (bit-exact with numpy / PyTorch).

@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    Float(Float16(bitPattern: h))
}

/// Round to nearest even, as numpy's float16 cast does.
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
    Float16(f).bitPattern
}

/// Round to nearest even, NaN kept quiet — PyTorch's float→bfloat16 rule.
@inline(__always)
public func floatToBFloat16(_ f: Float) -> UInt16 {
    let u = f.bitPattern
    if f.isNaN { return UInt16(truncatingIfNeeded: (u >> 16) | 0x40) }
    let bias = ((u >> 16) & 1) &+ 0x7FFF
    return UInt16(truncatingIfNeeded: (u &+ bias) >> 16)
}
