import Checkpoints
import Foundation
import Store

/// One unit of a sweep: train one method on one model and data set with one seed and one point of
/// the η × λ × lr grid, then evaluate the checkpoint.
public struct Cell: Equatable, Sendable {
    /// Stable and readable: `<model>.<method>[.eta<pct>][.lam<λ>][.lr<lr>].s<seed>`; the same spec
    /// and profile always give the same ids (the result store's folder names).
    public var id: String
    public var experiment: String
    public var profile: String
    public var model: ModelEntry
    public var dataset: String
    public var method: MethodSpec
    public var seed: Int
    public var eta: Double?
    public var lambda: LambdaSchedule?
    public var learningRate: Double?
    /// Trainer options, merged: data set ← model ← method extras ← learning_rate.
    public var training: JSONObject
    public var subset: JSONValue
    public var evaluation: JSONObject
    /// The cell whose checkpoint is this cell's reference model φ (Rho-1: baseline SFT, same seed).
    public var referenceID: String?
    /// Model, data and method requirements, checked before running.
    public var requires: [Requirement]

    /// Everything that determines the cell's outcome, as written into run.json.
    public var config: JSONObject {
        var m = JSONObject([("id", .string(method.id)), ("label", .string(method.label)),
                            ("objective", .string(method.objective.rawValue))])
        m["grouping"] = method.grouping.map { .string($0) } ?? .null
        var o = JSONObject([
            ("experiment", .string(experiment)), ("profile", .string(profile)),
            ("model", .object(JSONObject([("id", .string(model.id)), ("label", .string(model.label)),
                                          ("path", .string(model.path))]))),
            ("dataset", .string(dataset)), ("subset", subset), ("method", .object(m)), ("seed", .int(seed)),
        ])
        o["eta"] = eta.map { .double($0) } ?? .null
        o["lambda"] = lambda.map { .object(JSONObject([("max", .double($0.max)), ("min", .double($0.min))])) } ?? .null
        o["training"] = .object(training)
        o["evaluation"] = .object(evaluation)
        o["reference_cell"] = referenceID.map { .string($0) } ?? .null
        return o
    }

    /// sha256 of the compact config; a finished cell whose config changed is not silently reused.
    public var configSHA256: String {
        SHA256.hex(of: Data(JSONValue.object(config).serialized(compact: true).utf8))
    }

    /// Training steps when the profile fixes them (max_steps), for plans and progress.
    public var plannedSteps: Int? { training["max_steps"]?.intValue }
}

public enum Grid {
    /// Every cell of `spec` under `profile`, models × seeds × methods × η × λ × lr, in the order a
    /// sweep should run them (a seed's rows complete together; references come first).
    public static func expand(_ spec: ExperimentSpec, profile: Profile) throws -> [Cell] {
        guard let ds = profile.datasets[spec.dataset] else {
            throw SpecError(file: spec.profiles.file, field: "profiles.\(profile.name).datasets",
                            message: "no settings for data set '\(spec.dataset)'")
        }
        var cells: [Cell] = []
        for model in profile.models {
            let settings = spec.settings[model.settingsFrom] ?? [:]
            for seed in profile.seeds {
                for method in spec.methods {
                    let s = settings[method.id] ?? MethodSettings()
                    try validate(method, s, model: model, spec: spec)
                    for eta in s.eta { for lam in s.lambda { for lr in s.learningRate {
                        var training = ds.training
                        for (k, v) in model.training[spec.dataset]?.pairs ?? [] { training[k] = v }
                        for (k, v) in s.extra.pairs { training[k] = v }
                        if let lr { training["learning_rate"] = .double(lr) }
                        let modelReq = Requirement(kind: .model, name: model.label, path: model.path, fetch: model.fetch)
                        cells.append(Cell(
                            id: cellID(model: model.id, method: method.id, eta: eta, lambda: lam, lr: lr, seed: seed),
                            experiment: spec.name, profile: profile.name, model: model, dataset: spec.dataset,
                            method: method, seed: seed, eta: eta, lambda: lam, learningRate: lr,
                            training: training, subset: ds.subset, evaluation: profile.evaluation,
                            referenceID: nil, requires: [modelReq] + ds.requires + method.requires))
                    } } }
                }
            }
        }
        try linkReferences(&cells, spec: spec)
        let ids = cells.map(\.id)
        if Set(ids).count != ids.count {
            throw SpecError(file: spec.file, field: "settings", message: "two cells share an id (duplicate grid values?)")
        }
        return try dependencyOrder(cells)
    }

    static func validate(_ m: MethodSpec, _ s: MethodSettings, model: ModelEntry, spec: ExperimentSpec) throws {
        let needsEta: Set<Objective> = [.go, .rho1, .tokenCleaning]
        let field = "settings.\(model.settingsFrom).\(m.id)"
        if needsEta.contains(m.objective), s.eta.contains(where: { $0 == nil }) {
            throw SpecError(file: spec.file, field: field, message: "method '\(m.id)' (\(m.objective.rawValue)) needs η")
        }
        if m.objective == .go, s.lambda.contains(where: { $0 == nil }) {
            throw SpecError(file: spec.file, field: field, message: "method '\(m.id)' (go) needs λ")
        }
        if m.objective == .rho1, s.lambda.contains(where: { $0 != nil }) {
            throw SpecError(file: spec.file, field: field, message: "Rho-1 has no λ (selective CE on the top-η tokens)")
        }
    }

    public static func cellID(model: String, method: String, eta: Double?, lambda: LambdaSchedule?,
                              lr: Double?, seed: Int) -> String {
        var parts = [model, method]
        if let eta { parts.append("eta" + String(format: "%g", (eta * 1000).rounded() / 10)) }
        if let lambda {
            parts.append("lam" + (lambda.isStatic ? String(format: "%g", lambda.max)
                                  : String(format: "%g-%g", lambda.max, lambda.min)))
        }
        if let lr { parts.append("lr" + String(format: "%g", lr)) }
        parts.append("s\(seed)")
        return parts.joined(separator: ".")
    }

    /// A method with `reference: R` depends on the one cell of method R with the same model,
    /// data set and seed.
    static func linkReferences(_ cells: inout [Cell], spec: ExperimentSpec) throws {
        for i in cells.indices {
            guard let r = cells[i].method.reference else { continue }
            let c = cells[i]
            let refs = cells.filter { $0.method.id == r && $0.model.id == c.model.id && $0.seed == c.seed }
            guard refs.count == 1 else {
                throw SpecError(file: spec.file, field: "methods.\(c.method.id).reference",
                                message: "\(refs.count) cells of '\(r)' for \(c.model.id) seed \(c.seed); need exactly one")
            }
            cells[i].referenceID = refs[0].id
        }
    }

    /// Stable topological order: each cell after its reference, otherwise the expansion order.
    public static func dependencyOrder(_ cells: [Cell]) throws -> [Cell] {
        var placed = Set<String>(), out: [Cell] = []
        var remaining = cells
        while !remaining.isEmpty {
            guard let i = remaining.firstIndex(where: { c in c.referenceID.map { placed.contains($0) } ?? true }) else {
                throw SpecError(file: "-", field: "reference", message: "reference cycle among \(remaining.map(\.id))")
            }
            let c = remaining.remove(at: i)
            placed.insert(c.id)
            out.append(c)
        }
        return out
    }
}
