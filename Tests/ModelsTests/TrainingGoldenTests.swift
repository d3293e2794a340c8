import XCTest
import Foundation
import Checkpoints
@testable import Models
@testable import Tensors

/// Losses and gradients against transformers in float64 (scripts/reference/train_goldens.py).
final class TrainingGoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Seq: Decodable { var tokens: [Int]; var targets: [Int] }
        var sequences: [Seq]
        var weights: [Double]
        var losses: [Double]
        var loss: Double
    }

    /// The float64 tensors of a safetensors file, read from its bytes (Checkpoints decodes to f32).
    func readF64(_ url: URL) throws -> [String: [Double]] {
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as! [String: Any]
        var out: [String: [Double]] = [:]
        for (name, v) in header where name != "__metadata__" {
            let e = v as! [String: Any]
            XCTAssertEqual(e["dtype"] as? String, "F64")
            let offs = e["data_offsets"] as! [Int]
            let bytes = data.subdata(in: (8 + Int(n) + offs[0])..<(8 + Int(n) + offs[1]))
            out[name] = bytes.withUnsafeBytes { raw in (0..<(bytes.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
        }
        return out
    }

    func testGradientsMatchTransformersFloat64() throws {
        for name in ["tiny-gqa-tied", "tiny-llama3-rope", "tiny-bf16"] {
            let dir = fixtureModels.appendingPathComponent(name)
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("train_golden.json")))
            let expected = try readF64(dir.appendingPathComponent("train_golden.safetensors"))
            let model = try Llama(directory: dir)
            let batch = golden.sequences.map { TrainingSequence(tokens: $0.tokens, targets: $0.targets) }
            XCTAssertEqual(Set(expected.keys), Set(model.parameters.layout.entries.map(\.name)), name)

            // Double twin. transformers computes the RoPE cos/sin table in f32 even for a float64 model,
            // with an f32 cos that differs from the correctly rounded value by 1 ulp in ~10% of the
            // entries (checked for tiny-gqa-tied); our table is correctly rounded. That bounds the
            // agreement at ~1e-7 relative (losses ≤ 1e-6, gradients ≤ 2e-6 · max|g| per tensor); the
            // finite-difference test is the tight proof of the backward itself.
            let twin = DoubleTwin(model, rows: 48)
            let r = try twin.engine.forward(batch, twin.acts, entropyTopK: nil)
            for (a, b) in zip(r.losses, golden.losses) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, b), name) }
            try twin.gradient(batch, weights: golden.weights)
            var worstD = 0.0
            for e in model.parameters.layout.entries {
                let g = expected[e.name]!
                let scale = g.map(abs).max()!
                let diff = (0..<e.count).map { abs(twin.grads[e.offset + $0] - g[$0]) }.max()!
                worstD = max(worstD, diff / scale)
                XCTAssertLessThanOrEqual(diff, 2e-6 * scale, "\(name) \(e.name) (Double)")
            }

            // Float product path: per tensor max |Δ| ≤ 1e-5 · max |g|, losses within 1e-5 relative.
            let ws = LlamaWorkspace(model: model, rows: 48)
            let stats = try model.trainingForward(batch, workspace: ws)
            for (a, b) in zip(stats.losses, golden.losses) { XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, b), name) }
            let grads = LlamaGradients(model: model)
            try model.trainingBackward(weights: golden.weights.map(Float.init), workspace: ws, into: grads)
            var worstF = 0.0
            for e in model.parameters.layout.entries {
                let g = expected[e.name]!, mine = grads.values(of: e.name)!
                let scale = g.map(abs).max()!
                let diff = zip(mine, g).map { abs(Double($0) - $1) }.max()!
                worstF = max(worstF, diff / scale)
                XCTAssertLessThanOrEqual(diff, 1e-5 * scale, "\(name) \(e.name) (Float)")
            }
            print("\(name): worst per-tensor max|Δgrad|/max|grad| vs transformers f64: Double \(worstD), Float \(worstF)")
        }
    }
}

final class LlamaSaveTests: XCTestCase {
    /// save(directory:) writes a folder that loads back to the same parameter bits.
    func testSaveRoundTrips() throws {
        for name in ["tiny-gqa-tied", "tiny-mha-untied"] {
            let model = try Llama(directory: fixtureModels.appendingPathComponent(name))
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-save-\(name)-\(getpid())")
            defer { try? FileManager.default.removeItem(at: dir) }
            try model.save(directory: dir)
            let back = try Llama(directory: dir)
            XCTAssertEqual(back.config.tieWordEmbeddings, model.config.tieWordEmbeddings)
            XCTAssertEqual(bitMismatches(Array(UnsafeBufferPointer(start: back.parameters.base, count: back.parameters.count)),
                                         Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameters.count))), 0)
        }
    }
}
