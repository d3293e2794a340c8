// The registry of generation tasks' per-document scorers, looked up by the name a task YAML gives
// in `process_results` (lm-eval's `!function utils.process_results_gen`), so the evaluator never
// switches on a metric. A scorer turns (document, response) into metric values; IFEval's
// instruction-level metrics are lists, aggregated by flattening (lm-eval's agg_inst_level_acc).
import Foundation

/// One per-document metric value: a number (mean-aggregated) or a list (flattened across documents).
public enum SampleMetricValue: Equatable {
    case number(Double)
    case list([Double])
}

/// What a generation scorer returns for one document: metric values in its own order, and extra
/// per-sample log fields (lm-eval writes e.g. IFEval's `follow_instruction_list` into the sample).
public struct GenerationScore {
    public var metrics: [(String, SampleMetricValue)]
    public var extra: [(String, JSONValue)]
    public init(metrics: [(String, SampleMetricValue)], extra: [(String, JSONValue)] = []) {
        self.metrics = metrics
        self.extra = extra
    }
}

public typealias GenerationScorer = (_ doc: JSONObject, _ response: String) throws -> GenerationScore

public enum GenerationMetrics {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [String: GenerationScorer] = [
        "truthfulqa_gen": TruthfulQAGeneration.processResults,
        "ifeval": IFEvalScorer.processResults,
    ]

    /// Adds (or replaces) a scorer; IFEval's checkers register here under "ifeval".
    public static func register(_ name: String, _ scorer: @escaping GenerationScorer) {
        lock.lock(); defer { lock.unlock() }
        table[name] = scorer
    }

    public static func scorer(_ name: String) -> GenerationScorer? {
        lock.lock(); defer { lock.unlock() }
        return table[name]
    }

    public static var names: [String] {
        lock.lock(); defer { lock.unlock() }
        return table.keys.sorted()
    }
}
