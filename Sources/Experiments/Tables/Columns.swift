import Checkpoints
import Foundation

/// One metric of one task label in an lm-eval results JSON: `results[task][metric]`.
public struct MetricRef: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var task: String
    public var metric: String
    public init(_ task: String, _ metric: String) {
        self.task = task
        self.metric = metric
    }
    public var description: String { "\(task) `\(metric)`" }
    /// The per-item field in samples_<task>.jsonl (lm-eval writes the metric name without filter).
    public var itemField: String { metric.split(separator: ",").first.map(String.init) ?? metric }
}

/// A table column: the mean of its components × 100 (the paper's TruthfulQA and IFEval columns are
/// means of six and four sub-scores; the others are one metric).
public struct Column: Equatable, Sendable {
    public var id: String
    public var header: String
    public var components: [MetricRef]

    /// The column's value for one results JSON, or the components it lacks.
    public func value(in results: JSONValue) -> Result<Double, MissingMetrics> {
        var sum = 0.0, missing: [MetricRef] = []
        for c in components {
            if let v = results["results"]?[c.task]?[c.metric]?.doubleValue { sum += v } else { missing.append(c) }
        }
        if !missing.isEmpty { return .failure(MissingMetrics(refs: missing)) }
        return .success(100 * sum / Double(components.count))
    }

    /// "mean of a, b" or the one metric, for captions.
    public var metricDescription: String {
        components.count == 1 ? components[0].description
            : "mean of " + components.map(\.description).joined(separator: ", ")
    }
}

public struct MissingMetrics: Error, Equatable, CustomStringConvertible {
    public var refs: [MetricRef]
    public var description: String { "missing " + refs.map(\.description).joined(separator: ", ") }
}

/// The paper's columns (eval-spec §4: acc for the multiple-choice tasks, `*_acc` for TruthfulQA
/// generation, the four IFEval accuracies), keyed as `sftgo-bench --tasks all` writes them.
public enum Columns {
    static func one(_ id: String, _ header: String, _ task: String, _ metric: String = "acc,none") -> Column {
        Column(id: id, header: header, components: [MetricRef(task, metric)])
    }

    public static let mmlu0 = one("mmlu0", "MMLU:0", "mmlu")
    public static let mmlu5 = one("mmlu5", "MMLU:5", "mmlu@5shot")
    public static let mathqa = one("mathqa", "MathQA", "mathqa")
    public static let arcC = one("arc_c", "ARC-C", "arc_challenge")
    public static let obqa = one("obqa", "OpenBookQA", "openbookqa")
    public static let hellaswag = one("hellaswag", "HellaSwag", "hellaswag")

    // Tables 5 and 7 (TruthfulQA sub-scores) and 6 and 8 (IFEval sub-scores).
    public static let truthfulSub: [Column] = [
        one("bleu", "BLEU", "truthfulqa_gen", "bleu_acc,none"),
        one("rouge1", "ROUGE1", "truthfulqa_gen", "rouge1_acc,none"),
        one("rouge2", "ROUGE2", "truthfulqa_gen", "rouge2_acc,none"),
        one("rougeL", "ROUGEL", "truthfulqa_gen", "rougeL_acc,none"),
        one("mc1", "MC1", "truthfulqa_mc1"),
        one("mc2", "MC2", "truthfulqa_mc2"),
    ]
    public static let ifevalSub: [Column] = [
        one("inst_loose", "Inst Level Loose Acc", "ifeval", "inst_level_loose_acc,none"),
        one("inst_strict", "Inst Level Strict Acc", "ifeval", "inst_level_strict_acc,none"),
        one("prompt_loose", "Prompt Level Loose Acc", "ifeval", "prompt_level_loose_acc,none"),
        one("prompt_strict", "Prompt Level Strict Acc", "ifeval", "prompt_level_strict_acc,none"),
    ]
    public static let truthfulqa = Column(id: "truthfulqa", header: "TruthfulQA",
                                          components: truthfulSub.flatMap(\.components))
    public static let ifeval = Column(id: "ifeval", header: "IFEval", components: ifevalSub.flatMap(\.components))

    /// Tables 1 and 2; "Avg." is the mean of these eight (MMLU counted twice).
    public static let main: [Column] = [mmlu0, mmlu5, mathqa, arcC, obqa, hellaswag, truthfulqa, ifeval]
    /// Table 3: subject-specific and general-reasoning benchmarks.
    public static let subjectSpecific: [Column] = [mmlu0, mmlu5, mathqa, arcC, obqa]
    public static let generalReasoning: [Column] = [hellaswag, truthfulqa, ifeval]

    /// Every distinct task label the tables read.
    public static var taskLabels: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in main { for m in c.components where seen.insert(m.task).inserted { out.append(m.task) } }
        return out
    }
}
