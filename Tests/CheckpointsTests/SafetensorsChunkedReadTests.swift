import Foundation
import XCTest
@testable import Checkpoints

/// `SafetensorsFile.read` decodes a tensor in chunks of `readChunkBytes`, releasing mapped pages as
/// it goes: tensors spanning several chunks (at odd offsets) must decode exactly, and reading
/// again after the pages were released must give the same values.
final class SafetensorsChunkedReadTests: XCTestCase {
    func testMultiChunkTensorsDecodeExactly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-chunked-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A small first tensor shifts the big one off page alignment.
        let n = SafetensorsFile.readChunkBytes / 2 + 12_345   // > 2 chunks in f32 and > 1 in 16-bit types
        // Pseudo-random integers 0...255 (exact in f32, f16 and bf16 alike), so a misplaced chunk shows.
        let big = (0..<n).map { Float(UInt32(truncatingIfNeeded: $0 &* 2654435761) >> 24) }
        let tensors = [NamedTensor(name: "a", shape: [3], values: [1, 2, 3]),
                       NamedTensor(name: "b", shape: [n / 5, 5], values: Array(big.prefix(n / 5 * 5)))]
        for dtype in SafetensorsDType.allCases {
            let url = dir.appendingPathComponent("m_\(dtype.rawValue).safetensors")
            try SafetensorsFile.write(tensors, to: url, dtype: dtype)
            let f = try SafetensorsFile(path: url.path)
            for _ in 0..<2 {
                for t in tensors {
                    XCTAssertEqual(try f.tensor(t.name).values.map(\.bitPattern), t.values.map(\.bitPattern),
                                   "\(dtype) \(t.name)")
                }
            }
        }
    }
}
