import Foundation

public struct EvaluationOptions: Sendable {
    /// lm-eval `--limit`: the first N documents of each task (a value below 1 is a fraction).
    public var limit: Double?
    /// lm-eval `--num_fewshot`: replaces each task's own count (not for tasks fixing 0).
    public var numFewshot: Int?
    /// Passed through to the model side; scores must not depend on it.
    public var batchSize: Int
    /// Whether the model side prepends BOS (lm-eval ≤ 0.4.9.1: off). Recorded in provenance.
    public var addBOS: Bool
    public var mc2Variant: MC2Variant
    public var logSamples: Bool
    /// lm-eval's `--apply_chat_template`, `--system_instruction`, `--fewshot_as_multiturn` (all off).
    public var chat = ChatOptions()
    /// `--predictions FILE` (recorded in provenance; the responses come as a PredictionSet).
    public var predictionsFile: String? = nil
    /// lm-eval `--gen_kwargs max_gen_toks=N`: caps every generation task's own budget (nil: the task's).
    public var maxGenToks: Int? = nil

    public init(limit: Double? = nil, numFewshot: Int? = nil, batchSize: Int = 1, addBOS: Bool = false,
                mc2Variant: MC2Variant = .v2, logSamples: Bool = false) {
        self.limit = limit
        self.numFewshot = numFewshot
        self.batchSize = batchSize
        self.addBOS = addBOS
        self.mc2Variant = mc2Variant
        self.logSamples = logSamples
    }
}

/// How contexts are rendered: plain text (lm-eval's default) or through the model's chat template.
public struct ChatOptions: Sendable, Equatable {
    public var applyChatTemplate = false
    public var systemInstruction: String? = nil
    public var fewshotAsMultiturn = false
    public init(applyChatTemplate: Bool = false, systemInstruction: String? = nil, fewshotAsMultiturn: Bool = false) {
        self.applyChatTemplate = applyChatTemplate
        self.systemInstruction = systemInstruction
        self.fewshotAsMultiturn = fewshotAsMultiturn
    }
}

/// One leaf task evaluated at one shot count. `label` keys its results (the task name, with
/// "@<k>shot" when the same task also runs at another shot count, as MMLU in `--tasks all`).
public struct TaskRun {
    public var label: String
    public var task: Task
    public var numFewshot: Int
    public init(label: String, task: Task, numFewshot: Int) {
        self.label = label
        self.task = task
        self.numFewshot = numFewshot
    }
}

/// One group to aggregate: its leaf runs (for the weighted mean and pooled stderr) and its direct
/// children (for the printed hierarchy).
public struct GroupRun {
    public var label: String
    public var config: GroupConfig
    public var leafLabels: [String]
    public var childLabels: [String]
}

/// What `--tasks` asks for, resolved against the registry and loaded from the data directory.
public struct EvaluationPlan {
    public var runs: [TaskRun] = []
    public var groups: [GroupRun] = []
    /// Top-level items in request order (task or group labels), for printing.
    public var roots: [String] = []
    /// Requested names that are not available yet (e.g. generation tasks for Evaluator II).
    public var unavailable: [String] = []

    /// One entry of `--tasks`: a task, group or tag name, optionally at a fixed shot count.
    public struct Item {
        public var name: String
        public var numFewshot: Int?
        public var labelSuffix: String
        public init(name: String, numFewshot: Int? = nil, labelSuffix: String = "") {
            self.name = name
            self.numFewshot = numFewshot
            self.labelSuffix = labelSuffix
        }
    }

    /// The paper's columns (`--tasks all`): MMLU 0- and 5-shot, MathQA, ARC-C, OBQA, HellaSwag,
    /// TruthfulQA MC1/MC2 and generation, IFEval (listed as not yet available until its scorer exists).
    public static let allItems: [Item] = [
        Item(name: "mmlu", numFewshot: 0),
        Item(name: "mmlu", numFewshot: 5, labelSuffix: "@5shot"),
        Item(name: "mathqa"), Item(name: "arc_challenge"), Item(name: "openbookqa"), Item(name: "hellaswag"),
        Item(name: "truthfulqa_mc1"), Item(name: "truthfulqa_mc2"),
        Item(name: "truthfulqa_gen"), Item(name: "ifeval"),
    ]

    /// Resolves `items`; task data is loaded once per task and shared by runs.
    public static func build(items: [Item], registry: TaskRegistry, data: DataSource,
                             options: EvaluationOptions) throws -> EvaluationPlan {
        var plan = EvaluationPlan()
        var loaded: [String: Task] = [:]
        var seenLabels = Set<String>()

        func loadTask(_ name: String, fewshot: Bool) throws -> Task {
            if let t = loaded[name], !fewshot || !t.fewshotDocs.isEmpty || t.config.fewshotSplit == nil { return t }
            let t = try Task.load(registry.tasks[name]!, data: data, needFewshot: fewshot)
            loaded[name] = t
            return t
        }

        // Returns the labels a name contributes: a task or group gives its own label, a tag the
        // labels of its tasks (a tag is a plain list, no aggregation); none when unavailable.
        func visit(_ name: String, item: Item) throws -> [String] {
            let label = name + item.labelSuffix
            if let cfg = registry.tasks[name] {
                if cfg.status != "available" { plan.unavailable.append(name); return [] }
                let requested = item.numFewshot ?? options.numFewshot
                let k = try Task(config: cfg, docs: []).effectiveFewshot(requested)
                if seenLabels.insert(label).inserted {
                    plan.runs.append(TaskRun(label: label, task: try loadTask(name, fewshot: k > 0), numFewshot: k))
                }
                return [label]
            }
            if let g = registry.groups[name] {
                var children: [String] = []
                for m in g.members { children += try visit(m, item: item) }
                guard !children.isEmpty else { return [] }
                if seenLabels.insert(label).inserted {
                    let leaves = try registry.leafTasks(of: name).map { $0 + item.labelSuffix }
                        .filter { l in plan.runs.contains { $0.label == l } }
                    plan.groups.append(GroupRun(label: label, config: g, leafLabels: leaves, childLabels: children))
                }
                return [label]
            }
            if let members = registry.tags[name] {
                var out: [String] = []
                for m in members { out += try visit(m, item: item) }
                return out
            }
            throw TaskConfigError.unknownTask(name, known: registry.knownNames.filter { !$0.hasPrefix("mmlu_") || registry.groups[$0] != nil })
        }

        for item in items {
            plan.roots += try visit(item.name, item: item)
        }
        return plan
    }
}
