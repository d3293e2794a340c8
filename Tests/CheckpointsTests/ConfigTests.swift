import Foundation
import XCTest
@testable import Checkpoints

final class ConfigTests: XCTestCase {
    func parse(_ text: String) throws -> LlamaConfig {
        try LlamaConfig.parse(JSONValue.parse(Data(text.utf8), file: "config.json"), file: "config.json")
    }

    /// SmolLM2's config as transformers writes it (tied, GQA, eos as int).
    func testSmolLM2Style() throws {
        let c = try parse("""
        {"architectures":["LlamaForCausalLM"],"bos_token_id":1,"eos_token_id":2,"head_dim":64,"hidden_size":576,
         "intermediate_size":1536,"max_position_embeddings":8192,"model_type":"llama","num_attention_heads":9,
         "num_hidden_layers":30,"num_key_value_heads":3,"rms_norm_eps":9.999999747378752e-06,"rope_scaling":null,
         "rope_theta":100000.0,"tie_word_embeddings":true,"torch_dtype":"float32","vocab_size":49152}
        """)
        XCTAssertEqual(c, LlamaConfig(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
                                      numAttentionHeads: 9, numKeyValueHeads: 3, headDim: 64,
                                      rmsNormEps: 9.999999747378752e-06, ropeTheta: 100000, ropeScaling: nil,
                                      maxPositionEmbeddings: 8192, tieWordEmbeddings: true, bosTokenId: 1,
                                      eosTokenIds: [2], modelType: "llama", torchDtype: "float32"))
    }

    /// Llama-3.x: rope_scaling llama3, eos list, defaults for head_dim / kv heads / tie.
    func testLlama3RopeScalingAndDefaults() throws {
        let c = try parse("""
        {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_attention_heads":4,"num_hidden_layers":2,
         "vocab_size":100,"eos_token_id":[128001,128008,128009],"bos_token_id":128000,"rope_theta":500000.0,
         "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
                         "original_max_position_embeddings":8192,"rope_type":"llama3"}}
        """)
        XCTAssertEqual(c.numKeyValueHeads, 4)
        XCTAssertEqual(c.headDim, 16)
        XCTAssertFalse(c.tieWordEmbeddings)
        XCTAssertEqual(c.eosTokenIds, [128001, 128008, 128009])
        XCTAssertEqual(c.rmsNormEps, 1e-6)
        XCTAssertEqual(c.maxPositionEmbeddings, 2048)
        XCTAssertEqual(c.ropeScaling, RopeScaling(ropeType: "llama3", factor: 32, lowFreqFactor: 1, highFreqFactor: 4,
                                                  originalMaxPositionEmbeddings: 8192))
        // The older key `type` instead of `rope_type`.
        let d = try parse(#"{"model_type":"llama","rope_scaling":{"type":"linear","factor":2.0}}"#)
        XCTAssertEqual(d.ropeScaling?.ropeType, "linear")
        XCTAssertEqual(d.ropeScaling?.factor, 2)
    }

    /// transformers 5 keeps rope_theta and the scaling in rope_parameters, and says `dtype`.
    func testTransformers5Style() throws {
        let c = try parse("""
        {"model_type":"llama","hidden_size":64,"num_attention_heads":4,"num_key_value_heads":2,"dtype":"bfloat16",
         "rope_parameters":{"rope_type":"llama3","rope_theta":500000.0,"factor":8.0,"low_freq_factor":1.0,
                            "high_freq_factor":4.0,"original_max_position_embeddings":8192}}
        """)
        XCTAssertEqual(c.ropeTheta, 500000)
        XCTAssertEqual(c.torchDtype, "bfloat16")
        XCTAssertEqual(c.ropeScaling?.factor, 8)
        XCTAssertEqual(c.numKeyValueHeads, 2)
        let d = try parse(#"{"model_type":"llama","rope_parameters":{"rope_type":"default","rope_theta":1234.0}}"#)
        XCTAssertNil(d.ropeScaling)
        XCTAssertEqual(d.ropeTheta, 1234)
    }

    func testErrorsNameTheField() throws {
        XCTAssertThrowsError(try parse(#"{"model_type":"gpt2"}"#)) {
            XCTAssertEqual($0 as? CheckpointError, .unknownModelType(file: "config.json", modelType: "gpt2"))
        }
        XCTAssertThrowsError(try parse(#"{"hidden_size":3}"#)) {
            XCTAssertEqual($0 as? CheckpointError, .badField(file: "config.json", field: "model_type", reason: "missing"))
        }
        XCTAssertThrowsError(try parse(#"{"model_type":"llama","hidden_size":"big"}"#)) {
            XCTAssertEqual($0 as? CheckpointError, .badField(file: "config.json", field: "hidden_size", reason: "expected an integer"))
        }
        XCTAssertThrowsError(try parse(#"{"model_type":"llama","num_attention_heads":9,"num_key_value_heads":2}"#)) {
            guard case .badField(_, "num_key_value_heads", _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try parse(#"{"model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":8.0}}"#)) {
            guard case .badField(_, let f, _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
            XCTAssertTrue(f.hasPrefix("rope_scaling."))
        }
        XCTAssertThrowsError(try parse("{not json")) {
            guard case .badJSON("config.json", _)? = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
    }

    func testWriteAndLoadRoundTrip() throws {
        let dir = try Fixtures.tempDir(self)
        let c = LlamaConfig(vocabSize: 10, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 1, numAttentionHeads: 2,
                            numKeyValueHeads: 1, headDim: 6, rmsNormEps: 1e-5, ropeTheta: 5e5,
                            ropeScaling: RopeScaling(ropeType: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                                     originalMaxPositionEmbeddings: 64),
                            maxPositionEmbeddings: 256, tieWordEmbeddings: true, bosTokenId: nil, eosTokenIds: [3, 4],
                            torchDtype: "bfloat16")
        try c.write(to: dir)
        XCTAssertEqual(try LlamaConfig.load(file: dir.appendingPathComponent("config.json")), c)
    }

    func testGenerationConfigKeepsOtherFields() throws {
        let dir = try Fixtures.tempDir(self)
        try #"{"bos_token_id":1,"eos_token_id":[2,0],"pad_token_id":2,"repetition_penalty":1.1,"do_sample":true,"temperature":0.2,"transformers_version":"4.51.3"}"#
            .write(to: dir.appendingPathComponent("generation_config.json"), atomically: true, encoding: .utf8)
        let g = try GenerationConfig.load(file: dir.appendingPathComponent("generation_config.json"))
        XCTAssertEqual(g.bosTokenId, 1)
        XCTAssertEqual(g.eosTokenIds, [2, 0])
        XCTAssertEqual(g.padTokenId, 2)
        XCTAssertEqual(g["repetition_penalty"], .double(1.1))
        XCTAssertEqual(g["do_sample"], .bool(true))
        XCTAssertEqual(g["transformers_version"], .string("4.51.3"))
        try g.write(to: dir)
        XCTAssertEqual(try GenerationConfig.load(file: dir.appendingPathComponent("generation_config.json")), g)
    }
}
