/// ggml tensor types by their on-disk id, with block geometry. Sizes of the types we cannot
/// dequantise are still known, so such files parse and fail only when that tensor is read.
public struct GGMLType: Equatable, CustomStringConvertible {
    public let id: UInt32
    public let name: String
    /// Elements per block and bytes per block.
    public let blockSize: Int
    public let typeSize: Int

    public var description: String { name }

    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, typeSize: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, typeSize: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, typeSize: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, typeSize: 20)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, typeSize: 34)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, typeSize: 2)

    static let all: [UInt32: GGMLType] = {
        let list: [GGMLType] = [
            .f32, .f16, .q4_0, .q4_1, .q8_0, .bf16,
            GGMLType(id: 6, name: "Q5_0", blockSize: 32, typeSize: 22),
            GGMLType(id: 7, name: "Q5_1", blockSize: 32, typeSize: 24),
            GGMLType(id: 9, name: "Q8_1", blockSize: 32, typeSize: 36),
            GGMLType(id: 10, name: "Q2_K", blockSize: 256, typeSize: 84),
            GGMLType(id: 11, name: "Q3_K", blockSize: 256, typeSize: 110),
            GGMLType(id: 12, name: "Q4_K", blockSize: 256, typeSize: 144),
            GGMLType(id: 13, name: "Q5_K", blockSize: 256, typeSize: 176),
            GGMLType(id: 14, name: "Q6_K", blockSize: 256, typeSize: 210),
            GGMLType(id: 15, name: "Q8_K", blockSize: 256, typeSize: 292),
            GGMLType(id: 24, name: "I8", blockSize: 1, typeSize: 1),
            GGMLType(id: 25, name: "I16", blockSize: 1, typeSize: 2),
            GGMLType(id: 26, name: "I32", blockSize: 1, typeSize: 4),
            GGMLType(id: 27, name: "I64", blockSize: 1, typeSize: 8),
            GGMLType(id: 28, name: "F64", blockSize: 1, typeSize: 8),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
    }()

    public static func byID(_ id: UInt32) -> GGMLType? { all[id] }

    public var canDequantise: Bool { [0, 1, 2, 3, 8, 30].contains(id) }
}
