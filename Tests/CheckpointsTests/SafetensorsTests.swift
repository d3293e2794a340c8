import Foundation
import XCTest
@testable import Checkpoints

final class SafetensorsTests: XCTestCase {
    typealias Expected = [String: [String: [String: Any]]]

    func expected() throws -> Expected {
        try Fixtures.json(Fixtures.checkpoints.appendingPathComponent("small_expected.json")) as! Expected
    }

    /// Files written by Python `safetensors` decode to the values torch holds.
    func testReadsReferenceFilesInEveryDType() throws {
        let exp = try expected()
        for tag in ["f32", "f16", "bf16"] {
            let f = try SafetensorsFile(path: Fixtures.checkpoints.appendingPathComponent("small_\(tag).safetensors").path)
            XCTAssertEqual(f.metadata, ["format": "pt"])
            XCTAssertEqual(Set(f.tensorNames), Set(exp[tag]!.keys))
            for (name, e) in exp[tag]! {
                let t = try f.tensor(name)
                XCTAssertEqual(t.shape, e["shape"] as! [Int], "\(tag) \(name)")
                let want = (e["values"] as! [Double]).map { Float($0) }
                XCTAssertEqual(t.values.map(\.bitPattern), want.map(\.bitPattern), "\(tag) \(name)")
            }
        }
    }

    /// Our writer produces byte-identical files to the reference library, including its f16 and
    /// bf16 rounding of the same f32 source values.
    func testWriterIsByteIdenticalToReference() throws {
        let exp = try expected()
        let dir = try Fixtures.tempDir(self)
        for (tag, dtype) in [("f32", SafetensorsDType.f32), ("f16", .f16), ("bf16", .bf16)] {
            let tensors = exp[tag]!.map { name, e -> NamedTensor in
                var src = (e["source"] as! [Double]).map { Float($0) }
                if dtype == .f16 { src = src.map { min(max($0, -65504), 65504) } }
                return NamedTensor(name: name, shape: e["shape"] as! [Int], values: src)
            }
            let out = dir.appendingPathComponent("\(tag).safetensors")
            try SafetensorsFile.write(tensors, to: out, dtype: dtype)
            let ours = try Data(contentsOf: out)
            let ref = try Data(contentsOf: Fixtures.checkpoints.appendingPathComponent("small_\(tag).safetensors"))
            XCTAssertEqual(ours, ref, tag)
        }
    }

    func testRoundTripThroughFolder() throws {
        let dir = try Fixtures.tempDir(self)
        var rng = SystemRandomNumberGenerator()
        let ts = [NamedTensor(name: "x", shape: [4, 3], values: (0 ..< 12).map { _ in Float.random(in: -5 ... 5, using: &rng) }),
                  NamedTensor(name: "y.z", shape: [2], values: [Float.greatestFiniteMagnitude, -Float.leastNonzeroMagnitude])]
        try HFCheckpoint.saveTensors(ts, directory: dir, dtype: .f32)
        let back = try HFCheckpoint.loadTensors(directory: dir)
        XCTAssertEqual(back.count, 2)
        for t in ts { XCTAssertEqual(back[t.name], t) }
        // bf16 round trip is exact for values already representable in bf16.
        let b = NamedTensor(name: "b", shape: [4], values: [1.5, -0.0078125, 65536, -3.25])
        try HFCheckpoint.saveTensors([b], directory: dir, dtype: .bf16)
        XCTAssertEqual(try HFCheckpoint.loadTensors(directory: dir)["b"], b)
    }

    func testShardedFolder() throws {
        let dir = Fixtures.checkpoints.appendingPathComponent("sharded")
        let exp = try Fixtures.json(dir.appendingPathComponent("expected.json")) as! [String: [String: Any]]
        let got = try HFCheckpoint.loadTensors(directory: dir)
        XCTAssertEqual(Set(got.keys), Set(exp.keys))
        for (name, e) in exp {
            XCTAssertEqual(got[name]?.shape, e["shape"] as? [Int])
            XCTAssertEqual(got[name]?.values, (e["values"] as! [Double]).map { Float($0) })
        }
    }

    func testTiedEmbeddingsStayOneTensor() throws {
        let dir = try Fixtures.tempDir(self)
        let c = LlamaConfig(vocabSize: 4, hiddenSize: 2, intermediateSize: 3, numHiddenLayers: 1,
                            numAttentionHeads: 1, tieWordEmbeddings: true)
        // Every tensor of the layout (embedding included once), plus an lm_head the tie makes redundant.
        var tensors: [NamedTensor] = []
        HFCheckpoint.forEachExpectedLlamaShape(c) { name, shape in
            tensors.append(NamedTensor(name: name, shape: shape, values: Array(repeating: 1, count: shape.reduce(1, *))))
        }
        let expectedNames = Set(tensors.map(\.name))
        tensors.append(NamedTensor(name: "lm_head.weight", shape: [4, 2], values: Array(repeating: 1, count: 8)))
        try HFCheckpoint.save(config: c, tensors: tensors, directory: dir)
        let back = try HFCheckpoint.loadTensors(directory: dir)
        XCTAssertEqual(Set(back.keys), expectedNames)
        XCTAssertTrue(expectedNames.contains("model.embed_tokens.weight") && !expectedNames.contains("lm_head.weight"))
        XCTAssertEqual(try LlamaConfig.load(file: dir.appendingPathComponent("config.json")), { var c2 = c; c2.torchDtype = "float32"; return c2 }())
        try HFCheckpoint.checkLlama(config: c, shapes: back.mapValues(\.shape), file: dir.path)
        var untied = c
        untied.tieWordEmbeddings = false
        XCTAssertThrowsError(try HFCheckpoint.checkLlama(config: untied, shapes: back.mapValues(\.shape), file: "m")) {
            XCTAssertEqual($0 as? CheckpointError, .missingTensor(file: "m", tensor: "lm_head.weight"))
        }
    }
}
