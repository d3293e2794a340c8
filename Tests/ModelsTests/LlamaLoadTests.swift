import XCTest
import Foundation
import Checkpoints
@testable import Models

/// `Llama(directory:)` decodes the safetensors straight into the flat parameter buffer; it must give
/// the very bits of the dictionary path (`HFCheckpoint.loadTensors` + `init(config:tensors:)`) and
/// the same typed errors.
final class LlamaLoadTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-llamaload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func buffer(_ p: LlamaParameters) -> [UInt32] {
        UnsafeBufferPointer(start: p.base, count: p.count).map(\.bitPattern)
    }

    func testDirectLoadEqualsDictionaryLoadBitwise() throws {
        for name in tinyModelNames {
            let dir = fixtureModels.appendingPathComponent(name)
            let direct = try Llama(directory: dir)
            let viaDictionary = try Llama(config: LlamaConfig.load(file: dir.appendingPathComponent("config.json")),
                                          tensors: HFCheckpoint.loadTensors(directory: dir))
            XCTAssertEqual(direct.parameters.count, viaDictionary.parameters.count, name)
            XCTAssertEqual(buffer(direct.parameters), buffer(viaDictionary.parameters), name)
            XCTAssertTrue(buffer(direct.parameters).contains { $0 != 0 }, name)
        }
    }

    /// Shards with an index file land in the same slots.
    func testShardedCheckpointLoadsIdentically() throws {
        let src = fixtureModels.appendingPathComponent("tiny-mha-untied")
        let tensors = try HFCheckpoint.loadTensors(directory: src)
        let names = tensors.keys.sorted()
        let halves = [Array(names.prefix(names.count / 2)), Array(names.dropFirst(names.count / 2))]
        var weightMap: [(String, JSONValue)] = []
        for (i, part) in halves.enumerated() {
            let file = "model-0000\(i + 1)-of-00002.safetensors"
            try SafetensorsFile.write(part.map { tensors[$0]! }, to: scratch.appendingPathComponent(file), dtype: .f32)
            weightMap += part.map { ($0, JSONValue.string(file)) }
        }
        let index = JSONValue.object([("weight_map", .object(JSONObject(weightMap)))]).serialized(compact: true)
        try Data(index.utf8).write(to: scratch.appendingPathComponent(HFCheckpoint.indexFile))
        try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"),
                                         to: scratch.appendingPathComponent("config.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(HFCheckpoint.singleFile).path))
        XCTAssertEqual(buffer(try Llama(directory: scratch).parameters), buffer(try Llama(directory: src).parameters))
    }

    /// A copy of tiny-mha-untied whose tensors went through `edit`; returns the safetensors path.
    @discardableResult
    func writeVariant(_ edit: (inout [String: NamedTensor]) -> Void) throws -> String {
        let src = fixtureModels.appendingPathComponent("tiny-mha-untied")
        var tensors = try HFCheckpoint.loadTensors(directory: src)
        edit(&tensors)
        let dst = scratch.appendingPathComponent(HFCheckpoint.singleFile)
        try SafetensorsFile.write(Array(tensors.values), to: dst, dtype: .f32)
        if !FileManager.default.fileExists(atPath: scratch.appendingPathComponent("config.json").path) {
            try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"),
                                             to: scratch.appendingPathComponent("config.json"))
        }
        return dst.path
    }

    func testMissingTensor() throws {
        try writeVariant { $0["model.layers.1.mlp.up_proj.weight"] = nil }
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            XCTAssertEqual($0 as? CheckpointError, .missingTensor(file: self.scratch.path, tensor: "model.layers.1.mlp.up_proj.weight"))
        }
    }

    func testShapeMismatch() throws {
        let name = "model.layers.0.mlp.gate_proj.weight"
        var expected: [Int] = []
        try writeVariant { t in
            let g = t[name]!
            expected = g.shape
            t[name] = NamedTensor(name: name, shape: [g.shape[1], g.shape[0]], values: g.values)
        }
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            XCTAssertEqual($0 as? CheckpointError, .shapeMismatch(file: self.scratch.appendingPathComponent(HFCheckpoint.singleFile).path,
                                                                  tensor: name, expected: expected, actual: [expected[1], expected[0]]))
        }
    }

    /// Issue 21 item 4: a config whose sizes disagree with the weights is refused by comparing shapes,
    /// before the parameter buffer is allocated from the config (hidden_size 2^24 would need ~3 TB here).
    func testConfigSizesAreCheckedAgainstWeightsBeforeAllocating() throws {
        try writeVariant { _ in }
        var c = try LlamaConfig.load(file: scratch.appendingPathComponent("config.json"))
        c.hiddenSize = LlamaConfig.maxDimension
        try c.write(to: scratch)
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            guard case .shapeMismatch(_, "model.embed_tokens.weight", _, _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
        c.hiddenSize = try LlamaConfig.load(file: fixtureModels.appendingPathComponent("tiny-mha-untied").appendingPathComponent("config.json")).hiddenSize
        c.numHiddenLayers = LlamaConfig.maxLayers
        try c.write(to: scratch)
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            guard case .missingTensor? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
    }

    /// A needed tensor stored as integers (patched header: "F32" → "I32", same byte count).
    func testNonFloatDTypeIsTypedError() throws {
        let path = try writeVariant { _ in }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let key = Data(#""model.norm.weight":{"dtype":"F32""#.utf8)
        let r = try XCTUnwrap(bytes.range(of: key))
        bytes[r.upperBound - 4] = UInt8(ascii: "I")
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            XCTAssertEqual($0 as? CheckpointError, .unsupportedDType(file: path, tensor: "model.norm.weight", dtype: "I32"))
        }
    }

    func testTruncatedFileIsTypedError() throws {
        let path = try writeVariant { _ in }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(4).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            guard case .offsetOutOfRange(let f, _, _, _, _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(f, path)
        }
        try bytes.prefix(5).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Llama(directory: scratch)) {
            XCTAssertEqual($0 as? CheckpointError, .truncated(file: path, field: "header length", needed: 8, available: 5))
        }
    }

    /// A tied model reads one embedding for both ends; an extra `lm_head.weight` in the file is not used.
    func testTiedHeadIsTheEmbedding() throws {
        let src = fixtureModels.appendingPathComponent("tiny-gqa-tied")
        var tensors = try HFCheckpoint.loadTensors(directory: src)
        let e = tensors["model.embed_tokens.weight"]!
        tensors["lm_head.weight"] = NamedTensor(name: "lm_head.weight", shape: e.shape, values: e.values.map { $0 + 1 })
        try SafetensorsFile.write(Array(tensors.values), to: scratch.appendingPathComponent(HFCheckpoint.singleFile), dtype: .f32)
        try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"),
                                         to: scratch.appendingPathComponent("config.json"))
        let model = try Llama(directory: scratch)
        XCTAssertEqual(model.parameters.lmHead, model.parameters.embed)
        XCTAssertEqual(buffer(model.parameters), buffer(try Llama(directory: src).parameters))
    }
}
