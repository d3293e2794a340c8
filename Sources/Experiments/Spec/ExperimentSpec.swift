import Checkpoints
import Foundation

/// What a method trains with. `sft` is plain CE; `go` is Eq. 3–5 with a grouping function;
/// `rho1` is selective CE on the top-η excess-loss tokens (λ has no role); the rest are the
/// objectives issue's per-token-weight methods.
public enum Objective: String, CaseIterable, Sendable {
    case sft, go, rho1, dft, eaft, tokenCleaning = "token-cleaning"
}

/// Something a method or data set needs that may be absent here: a model folder or a data set,
/// with the command that fetches it.
public struct Requirement: Equatable, Sendable {
    public enum Kind: String, Sendable { case model, data }
    public var kind: Kind
    public var name: String
    /// Relative to the models directory (kind model) or the data directory (kind data).
    public var path: String
    public var fetch: String
}

/// One row of the paper's tables (or of the extended table beside it).
public struct MethodSpec: Equatable, Sendable {
    public var id: String
    public var label: String
    public var objective: Objective
    /// Grouping function name (Grouping module), nil for methods without groups.
    public var grouping: String?
    /// Method id whose cell of the same model, data set and seed is this cell's reference model φ.
    public var reference: String?
    /// Rows of the extended table (objectives issue) rather than the paper's table.
    public var extended: Bool
    public var requires: [Requirement]
}

/// What an experiment's report shows.
public enum ExperimentKind: String, Sendable {
    /// Tables 1/2 (+ the extended table), 3 (its data set's half) and 5–8 sub-scores.
    case main
    /// Table 4: static vs decaying λ.
    case lambdaAblation = "lambda-ablation"
    /// Figure 3: average score against η.
    case etaSweep = "eta-sweep"
}

/// One paper experiment as data: methods (rows), a data set, per-model settings (Appendix F)
/// and axes to sweep. Profiles come from `experiments/profiles.yaml`.
public struct ExperimentSpec: Sendable {
    public var name: String
    public var file: String
    public var kind: ExperimentKind
    public var title: String
    public var dataset: String
    /// Paper table numbers this experiment reproduces (1 for LIMA's Table 1, …).
    public var paperTables: [Int]
    /// Relative to the spec's folder.
    public var paperNumbers: String?
    public var methods: [MethodSpec]
    /// Per settings key (a paper model id) and method id: η, λ, learning_rate, each a scalar or a
    /// list (a grid axis). Models of scaled profiles borrow one key with `settings_from`.
    public var settings: [String: [String: MethodSettings]]
    public var profiles: ProfileSet

    public func method(_ id: String) -> MethodSpec? { methods.first { $0.id == id } }
}

/// λ of Eq. 5: `λ_t = max(λ_max·(1 − t/T), λ_min)`; static when min == max.
public struct LambdaSchedule: Equatable, Hashable, Sendable {
    public var max: Double
    public var min: Double
    public var isStatic: Bool { max == min }
    public var label: String { isStatic ? Self.fmt(max) : "\(Self.fmt(max))→\(Self.fmt(min))" }
    static func fmt(_ x: Double) -> String { String(format: "%g", x) }
}

/// One method's settings for one model; each axis may hold several values.
public struct MethodSettings: Equatable, Sendable {
    public var eta: [Double?] = [nil]
    public var lambda: [LambdaSchedule?] = [nil]
    public var learningRate: [Double?] = [nil]
    /// Extra trainer options (TRL / LLaMA-Factory spellings), passed through.
    public var extra = JSONObject()
}

extension ExperimentSpec {
    /// Loads `url` and the profiles file beside it (`profiles.yaml`).
    public static func load(_ url: URL) throws -> ExperimentSpec {
        let root = try YAMLField.load(url)
        try root.onlyKeys(["experiment", "kind", "title", "dataset", "paper_tables", "paper_numbers",
                           "methods", "settings"])
        let profilesURL = url.deletingLastPathComponent().appendingPathComponent("profiles.yaml")
        let profiles = try ProfileSet.load(profilesURL)
        let kindField = try root.required("kind")
        guard let kind = ExperimentKind(rawValue: try kindField.string()) else {
            throw kindField.error("expected main, lambda-ablation or eta-sweep")
        }
        var methods: [MethodSpec] = []
        for m in try root.required("methods").items() {
            methods.append(try parseMethod(m))
        }
        let ids = methods.map(\.id)
        for m in methods {
            if let r = m.reference, !ids.contains(r) {
                throw SpecError(file: url.path, field: "methods.\(m.id).reference",
                                message: "unknown method '\(r)'")
            }
        }
        var settings: [String: [String: MethodSettings]] = [:]
        if let s = try root.optional("settings") {
            for (model, perMethod) in try s.entries() {
                var byMethod: [String: MethodSettings] = [:]
                for (mid, f) in try perMethod.entries() {
                    guard ids.contains(mid) else { throw f.error("unknown method '\(mid)'") }
                    byMethod[mid] = try parseSettings(f)
                }
                settings[model] = byMethod
            }
        }
        let dataset = try root.required("dataset").string()
        return ExperimentSpec(
            name: try root.required("experiment").string(), file: url.path, kind: kind,
            title: try root.required("title").string(), dataset: dataset,
            paperTables: try root.optional("paper_tables")?.items().map { try $0.int() } ?? [],
            paperNumbers: try root.optional("paper_numbers")?.string(),
            methods: methods, settings: settings, profiles: profiles)
    }

    static func parseMethod(_ f: YAMLField) throws -> MethodSpec {
        try f.onlyKeys(["id", "label", "objective", "grouping", "reference", "extended", "requires"])
        let o = try f.required("objective")
        guard let objective = Objective(rawValue: try o.string()) else {
            throw o.error("expected one of \(Objective.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var reqs: [Requirement] = []
        for r in try f.optional("requires")?.items() ?? [] {
            reqs.append(try parseRequirement(r))
        }
        return MethodSpec(id: try f.required("id").string(), label: try f.required("label").string(),
                          objective: objective, grouping: try f.optional("grouping")?.string(),
                          reference: try f.optional("reference")?.string(),
                          extended: try f.optional("extended")?.bool() ?? false, requires: reqs)
    }

    static func parseRequirement(_ r: YAMLField) throws -> Requirement {
        try r.onlyKeys(["model", "data", "path", "fetch"])
        let kind: Requirement.Kind
        let name: String
        if let m = try r.optional("model") { kind = .model; name = try m.string() }
        else if let d = try r.optional("data") { kind = .data; name = try d.string() }
        else { throw r.error("a requirement names a 'model' or a 'data' set") }
        return Requirement(kind: kind, name: name, path: try r.optional("path")?.string() ?? name,
                           fetch: try r.required("fetch").string())
    }

    static func parseSettings(_ f: YAMLField) throws -> MethodSettings {
        var s = MethodSettings()
        for (k, v) in try f.entries() {
            switch k {
            case "eta":
                s.eta = try v.oneOrMany { x in
                    let e = try x.double()
                    guard e > 0, e < 1 else { throw x.error("η is a fraction in (0, 1): 0.9 = 90th percentile") }
                    return e
                }
            case "lambda":
                s.lambda = try v.oneOrMany { try parseLambda($0) }
            case "learning_rate":
                s.learningRate = try v.oneOrMany { try $0.double() }
            default:
                s.extra[k] = try v.json()
            }
        }
        return s
    }

    /// `0.9` (static) or `{max: 0.9, min: 0.07}` (linear decay, Eq. 5).
    static func parseLambda(_ f: YAMLField) throws -> LambdaSchedule {
        if f.isMapping {
            try f.onlyKeys(["max", "min"])
            let mx = try f.required("max").double(), mn = try f.required("min").double()
            guard mn <= mx, mn >= 0, mx <= 1 else { throw f.error("need 0 ≤ min ≤ max ≤ 1") }
            return LambdaSchedule(max: mx, min: mn)
        }
        let v = try f.double()
        guard v >= 0, v <= 1 else { throw f.error("λ is in [0, 1]") }
        return LambdaSchedule(max: v, min: v)
    }
}
