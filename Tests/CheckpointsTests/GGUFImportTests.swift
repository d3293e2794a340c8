import Foundation
import XCTest
@testable import Checkpoints

/// Import of a tiny llama written the way llama.cpp's converter writes one (q/k permuted for rope).
final class GGUFImportTests: XCTestCase {
    let gguf = Fixtures.checkpoints.appendingPathComponent("gguf/tiny_llama.gguf")

    func testTinyLlamaImport() throws {
        let out = try Fixtures.tempDir(self)
        let report = try GGUFImport.run(gguf: gguf, output: out)
        XCTAssertEqual(report.files.map(\.0), ["model.safetensors", "tokenizer.json", "tokenizer_config.json",
                                                "special_tokens_map.json", "generation_config.json", "config.json"])
        let c = try LlamaConfig.load(file: out.appendingPathComponent("config.json"))
        XCTAssertEqual(c, LlamaConfig(vocabSize: 33, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
                                      numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 8,
                                      rmsNormEps: Double(Float(1e-5)), ropeTheta: 10000, maxPositionEmbeddings: 128,
                                      tieWordEmbeddings: true, bosTokenId: 1, eosTokenIds: [2], torchDtype: "float32"))
        // Tensors equal the Hugging Face originals bit for bit: names mapped, q/k rows un-permuted.
        let exp = try Fixtures.json(Fixtures.checkpoints.appendingPathComponent("gguf/tiny_llama_expected.json"))
            as! [String: [String: Any]]
        let got = try HFCheckpoint.loadTensors(directory: out)
        XCTAssertEqual(Set(got.keys), Set(exp.keys))
        for (name, e) in exp {
            XCTAssertEqual(got[name]?.shape, e["shape"] as? [Int], name)
            XCTAssertEqual(got[name]?.values, (e["values"] as! [Double]).map { Float($0) }, name)
        }
        let g = try GenerationConfig.load(file: out.appendingPathComponent("generation_config.json"))
        XCTAssertEqual(g.eosTokenIds, [2])
        XCTAssertEqual(g.bosTokenId, 1)
        XCTAssertEqual(g.padTokenId, 2)
    }

    func testTokenizerFilesFollowTheGGUF() throws {
        let out = try Fixtures.tempDir(self)
        try GGUFImport.run(gguf: gguf, output: out)
        let tok = try JSONValue.load(out.appendingPathComponent("tokenizer.json"))
        let model = try XCTUnwrap(tok["model"])
        XCTAssertEqual(model["type"], .string("BPE"))
        XCTAssertEqual(model["vocab"]?.objectValue?.count, 33)
        XCTAssertEqual(model["vocab"]?["Ġab"], .int(32))
        XCTAssertEqual(model["merges"], .array([.array([.string("Ġ"), .string("a")]), .array([.string("a"), .string("b")]),
                                                .array([.string("Ġa"), .string("b")])]))
        // "smollm": digits split one by one, then the GPT-2 byte-level regex.
        let digits = tok["pre_tokenizer"]?["pretokenizers"]?.arrayValue?.first
        XCTAssertEqual(digits?["type"], .string("Digits"))
        XCTAssertEqual(digits?["individual_digits"], .bool(true))
        // add_bos_token is false in the file: no template adding BOS.
        XCTAssertEqual(tok["post_processor"]?["type"], .string("ByteLevel"))
        let added = try XCTUnwrap(tok["added_tokens"]?.arrayValue)
        XCTAssertEqual(added.compactMap { $0["content"]?.stringValue }, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        XCTAssertTrue(added.allSatisfy { $0["special"] == .bool(true) })

        let cfg = try JSONValue.load(out.appendingPathComponent("tokenizer_config.json"))
        XCTAssertEqual(cfg["eos_token"], .string("<|im_end|>"))
        XCTAssertEqual(cfg["bos_token"], .string("<|im_start|>"))
        XCTAssertEqual(cfg["add_bos_token"], .bool(false))
        XCTAssertEqual(cfg["chat_template"]?.stringValue?.hasPrefix("{% for m in messages %}"), true)
        XCTAssertEqual(cfg["added_tokens_decoder"]?["2"]?["content"], .string("<|im_end|>"))
    }

    /// llama.cpp's permutation, applied by hand to row labels, is undone exactly.
    func testUnpermuteRowsByHand() {
        // 2 heads × headDim 4, one column: GGUF row order per head is [h0, h2, h1, h3].
        let gguf: [Float] = [0, 2, 1, 3, 4, 6, 5, 7]
        var out = [Float](repeating: -1, count: 8)
        gguf.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { GGUFLlama.unpermuteRows(src, nHeads: 2, cols: 1, into: $0) }
        }
        XCTAssertEqual(out, [0, 1, 2, 3, 4, 5, 6, 7])
    }

    func testTensorNameMapping() {
        XCTAssertEqual(GGUFLlama.hfName("blk.12.ffn_down.weight"), "model.layers.12.mlp.down_proj.weight")
        XCTAssertEqual(GGUFLlama.hfName("blk.0.attn_output.weight"), "model.layers.0.self_attn.o_proj.weight")
        XCTAssertEqual(GGUFLlama.hfName("output.weight"), "lm_head.weight")
        XCTAssertNil(GGUFLlama.hfName("blk.x.attn_q.weight"))
        XCTAssertNil(GGUFLlama.hfName("blk.0.attn_q.bias"))
    }

    func testRefusesWhatItCannotImport() throws {
        let dir = try Fixtures.tempDir(self)
        // Not a llama.
        var b = GGUFBuilder()
        b.addString("general.architecture", "gpt2")
        let p = try b.write(dir)
        XCTAssertThrowsError(try GGUFImport.run(gguf: URL(fileURLWithPath: p), output: dir.appendingPathComponent("o"))) {
            XCTAssertEqual($0 as? GGUFError, .unsupported(file: p, field: "general.architecture",
                                                           reason: "'gpt2' (only llama can be imported)"))
        }
        // A llama missing a required key.
        b = GGUFBuilder()
        b.addString("general.architecture", "llama")
        let q = try b.write(dir, "q.gguf")
        XCTAssertThrowsError(try GGUFImport.run(gguf: URL(fileURLWithPath: q), output: dir.appendingPathComponent("o"))) {
            XCTAssertEqual($0 as? GGUFError, .missingField(file: q, field: "llama.embedding_length"))
        }
        // The tiny llama with one tensor renamed to something unknown: error, no output folder.
        var bytes = try Data(contentsOf: gguf)
        let needle = Data("output_norm.weight".utf8), repl = Data("output_nrm2.weight".utf8)
        let r = try XCTUnwrap(bytes.range(of: needle))
        bytes.replaceSubrange(r, with: repl)
        let bad = dir.appendingPathComponent("bad.gguf")
        try bytes.write(to: bad)
        let out = dir.appendingPathComponent("never")
        XCTAssertThrowsError(try GGUFImport.run(gguf: bad, output: out)) {
            XCTAssertEqual($0 as? GGUFError, .unknownTensorName(file: bad.path, tensor: "output_nrm2.weight"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
