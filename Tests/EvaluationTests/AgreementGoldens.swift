// lm-eval 0.4.8 per-sample goldens written by scripts/reference/lm_eval_goldens.py
// (Tests/Fixtures/evaluation/lmeval/<model>/<run>.json).
import Foundation
@testable import Evaluation

struct LMEvalGolden: Decodable {
    struct Doc: Decodable {
        var doc_id: Int
        var context: String
        var continuations: [String]
        var loglikelihoods: [Double]
        var is_greedy: [Bool]
        var prediction: Int
        var top2_gap: Double?
    }
    var key: String
    var limit: Int
    var model_safetensors_sha256: String
    var tokenizer_json_sha256: String
    var tasks: [String: [Doc]]

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/evaluation/lmeval")
    }

    static func load(model: String) throws -> [LMEvalGolden] {
        let dir = fixtures.appendingPathComponent(model)
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
        return try files.map { try JSONDecoder().decode(LMEvalGolden.self, from: Data(contentsOf: $0)) }
    }

    /// Our registry name and shot count for a golden task label ("mmlu_anatomy_5shot" → mmlu_anatomy, 5).
    static func taskName(_ label: String) -> (String, Int?) {
        for k in [0, 5] where label.hasSuffix("_\(k)shot") {
            return (String(label.dropLast("_\(k)shot".count)), k)
        }
        return (label, nil)
    }
}
