import Checkpoints
import Foundation

/// A base model of a profile. `settings_from` names the paper model whose Appendix F settings it
/// borrows (SmolLM2 borrows Llama-3.2-3B's η and λ).
public struct ModelEntry: Equatable, Sendable {
    public var id: String
    public var label: String
    /// Folder under the models directory (`SFTGO_MODELS_DIR`, default `models/`).
    public var path: String
    public var fetch: String
    public var settingsFrom: String
    /// Trainer options for this model, per data set (e.g. Alpaca's epochs per model size).
    public var training: [String: JSONObject]
}

/// How a profile trains on one data set.
public struct DatasetEntry: Equatable, Sendable {
    /// Which examples: `all`, or `{first: N}` / `{every: K}`; deterministic, written into run.json.
    public var subset: JSONValue
    /// Trainer options, with TRL / LLaMA-Factory names (learning_rate, num_train_epochs, max_steps,
    /// per_device_train_batch_size, gradient_accumulation_steps, cutoff_len, weight_decay,
    /// adam_epsilon, lr_scheduler_type, warmup_ratio).
    public var training: JSONObject
    public var requires: [Requirement]
}

/// One scale of the same grid: `paper` (Appendix F), `default` (≤ 2 h here), `quick` (≤ 10 min),
/// `full` (whole epochs, full benchmarks).
public struct Profile: Equatable, Sendable {
    public var name: String
    public var description: String
    /// True while the scale-down numbers wait for the trainer's measured speed.
    public var provisional: Bool
    public var seeds: [Int]
    public var models: [ModelEntry]
    public var datasets: [String: DatasetEntry]
    /// Evaluator options with lm-eval's names (limit, max_gen_toks, batch_size, tasks).
    public var evaluation: JSONObject
    /// The wall-time target the profile was scaled for, in seconds (nil: none).
    public var budgetSeconds: Double?
}

public struct ProfileSet: Sendable {
    public var file: String
    public var order: [String]
    public var byName: [String: Profile]

    public func profile(_ name: String) throws -> Profile {
        guard let p = byName[name] else {
            throw SpecError(file: file, field: "profiles",
                            message: "no profile '\(name)' (have: \(order.joined(separator: ", ")))")
        }
        return p
    }

    public static func load(_ url: URL) throws -> ProfileSet {
        let root = try YAMLField.load(url)
        try root.onlyKeys(["profiles"])
        var set = ProfileSet(file: url.path, order: [], byName: [:])
        for (name, f) in try root.required("profiles").entries() {
            set.order.append(name)
            set.byName[name] = try parseProfile(name, f)
        }
        return set
    }

    static func parseProfile(_ name: String, _ f: YAMLField) throws -> Profile {
        try f.onlyKeys(["description", "provisional", "seeds", "models", "datasets", "evaluation", "budget_seconds"])
        var models: [ModelEntry] = []
        for m in try f.required("models").items() {
            try m.onlyKeys(["id", "label", "path", "fetch", "settings_from", "training"])
            let id = try m.required("id").string()
            var training: [String: JSONObject] = [:]
            for (ds, t) in try m.optional("training")?.entries() ?? [] { training[ds] = try t.object() }
            models.append(ModelEntry(id: id, label: try m.required("label").string(),
                                     path: try m.required("path").string(), fetch: try m.required("fetch").string(),
                                     settingsFrom: try m.optional("settings_from")?.string() ?? id,
                                     training: training))
        }
        var datasets: [String: DatasetEntry] = [:]
        for (ds, d) in try f.required("datasets").entries() {
            try d.onlyKeys(["subset", "training", "requires"])
            datasets[ds] = DatasetEntry(
                subset: try d.optional("subset")?.json() ?? .string("all"),
                training: try d.optional("training")?.object() ?? JSONObject(),
                requires: try d.optional("requires")?.items().map { try ExperimentSpec.parseRequirement($0) } ?? [])
        }
        let seedsField = try f.required("seeds")
        let seeds = try seedsField.items().map { try $0.int() }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw seedsField.error("need distinct seeds") }
        return Profile(name: name, description: try f.optional("description")?.string() ?? "",
                       provisional: try f.optional("provisional")?.bool() ?? false, seeds: seeds,
                       models: models, datasets: datasets,
                       evaluation: try f.optional("evaluation")?.object() ?? JSONObject(),
                       budgetSeconds: try f.optional("budget_seconds")?.double())
    }
}
