// A contiguous row-major Float32 array with a shape. Hot loops work on raw pointers (see Kernels,
// Gemm); Tensor is the owning, value-semantic container handed between modules and tests.

public struct Tensor: Equatable {
    public private(set) var shape: [Int]
    public var storage: [Float]

    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.storage = values
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    @inline(__always) func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) ≠ tensor rank \(shape.count)")
        var off = 0
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            precondition(index[i] >= 0 && index[i] < shape[i], "index \(index) out of shape \(shape)")
            off += index[i] * acc
            acc *= shape[i]
        }
        return off
    }

    public subscript(_ index: Int...) -> Float {
        get { storage[offset(index)] }
        set { storage[offset(index)] = newValue }
    }

    /// Same values, new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, values: storage) }

    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }

    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}

extension Tensor {
    /// Matrix product of rank-2 tensors: op(a) · op(b) with op = transpose when asked.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul inner dimensions differ: \(a.shape) · \(b.shape)")
        var c = Tensor(shape: [m, n])
        a.withUnsafePointer { pa in
            b.withUnsafePointer { pb in
                c.withUnsafeMutablePointer { pc in
                    Gemm.parallel(transposeA ? .transposed : .none, transposeB ? .transposed : .none,
                                  m: m, n: n, k: k, a: pa, lda: a.shape[1], b: pb, ldb: b.shape[1],
                                  c: pc, ldc: n)
                }
            }
        }
        return c
    }
}
