import Foundation
import XCTest
@testable import Checkpoints

/// Issue 21 item 4: every config.json field is range-checked, with a typed error naming file and field.
final class ConfigRangeTests: XCTestCase {
    static let smol: [(String, String)] = [
        ("model_type", "\"llama\""), ("vocab_size", "49152"), ("hidden_size", "576"), ("intermediate_size", "1536"),
        ("num_hidden_layers", "30"), ("num_attention_heads", "9"), ("num_key_value_heads", "3"), ("head_dim", "64"),
        ("max_position_embeddings", "8192"), ("rms_norm_eps", "1e-05"), ("rope_theta", "100000.0"),
        ("bos_token_id", "1"), ("eos_token_id", "2"), ("tie_word_embeddings", "true"),
    ]

    /// SmolLM2's config.json with `field` set to `value` (raw JSON text).
    func parse(_ field: String, _ value: String) throws -> LlamaConfig {
        var pairs = Self.smol.filter { $0.0 != field }
        pairs.append((field, value))
        let text = "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        return try LlamaConfig.parse(JSONValue.parse(Data(text.utf8), file: "/m/config.json"), file: "/m/config.json")
    }

    func testSmolLM2Passes() throws {
        XCTAssertEqual(try parse("vocab_size", "49152").numHiddenLayers, 30)
    }

    func testOutOfRangeFieldsAreTypedErrors() throws {
        let bad: [(String, String)] = [
            ("num_hidden_layers", "-3"), ("num_hidden_layers", "0"), ("num_hidden_layers", "100000000"),
            ("head_dim", "-64"), ("head_dim", "0"), ("head_dim", "63"),
            ("hidden_size", "1000000000000"), ("hidden_size", "0"), ("intermediate_size", "-1"),
            ("vocab_size", "0"), ("max_position_embeddings", "0"), ("max_position_embeddings", "-5"),
            ("rms_norm_eps", "-1"), ("rms_norm_eps", "0"), ("rms_norm_eps", "NaN"),
            ("rope_theta", "0"), ("rope_theta", "-10000"), ("rope_theta", "Infinity"),
            ("num_attention_heads", "100000002"), ("bos_token_id", "-1"), ("eos_token_id", "[2, -7]"),
        ]
        for (field, value) in bad {
            XCTAssertThrowsError(try parse(field, value), "\(field) = \(value)") { e in
                guard case let .badField(file, f, reason)? = e as? CheckpointError else {
                    return XCTFail("\(field) = \(value): \(e)")
                }
                XCTAssertEqual(file, "/m/config.json")
                XCTAssertEqual(f, field, "\(value): \(reason)")
            }
        }
    }

    func testRopeScalingFactorsAreChecked() throws {
        let bad = [
            #"{"rope_type": "llama3", "factor": 0, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}"#,
            #"{"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4, "original_max_position_embeddings": 8192}"#,
            #"{"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 0}"#,
        ]
        for b in bad {
            XCTAssertThrowsError(try parse("rope_scaling", b), b) { e in
                guard case let .badField(_, f, _)? = e as? CheckpointError else { return XCTFail("\(e)") }
                XCTAssertTrue(f.hasPrefix("rope_scaling."), f)
            }
        }
    }

    /// Item 11: a config.json syntax error is not called a "header".
    func testSyntaxErrorWording() throws {
        XCTAssertThrowsError(try JSONValue.parse(Data("{not json".utf8), file: "/m/config.json")) { e in
            let s = "\(e)"
            XCTAssertTrue(s.hasPrefix("/m/config.json: invalid JSON"), s)
            XCTAssertFalse(s.contains("header"), s)
        }
    }
}
