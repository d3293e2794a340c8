import Checkpoints
import Foundation

/// Everything a table needs: the spec and profile it renders, the aggregated store, which std, and
/// the paper's transcribed numbers.
public struct ReportContext {
    public var spec: ExperimentSpec
    public var profile: Profile
    public var aggregation: Aggregation
    public var stdKind: Statistics.StdKind
    /// Paper table number → transcription (those that exist under experiments/paper/).
    public var paper: [Int: PaperTable]
    public var store: ResultStore
    public var cells: [Cell]

    public init(spec: ExperimentSpec, profile: Profile, aggregation: Aggregation, stdKind: Statistics.StdKind = .sample,
                paper: [Int: PaperTable], store: ResultStore, cells: [Cell]) {
        self.spec = spec
        self.profile = profile
        self.aggregation = aggregation
        self.stdKind = stdKind
        self.paper = paper
        self.store = store
        self.cells = cells
    }

    /// Loads the paper tables next to the spec (`experiments/paper/tableN.yaml`) that exist.
    public static func loadPaper(specFile: String) throws -> [Int: PaperTable] {
        let dir = URL(fileURLWithPath: specFile).deletingLastPathComponent().appendingPathComponent("paper")
        var out: [Int: PaperTable] = [:]
        for n in 1...8 {
            let url = dir.appendingPathComponent("table\(n).yaml")
            if FileManager.default.fileExists(atPath: url.path) { out[n] = try PaperTable.load(url) }
        }
        return out
    }

    public var datasetLabel: String { spec.dataset == "lima" ? "LIMA" : spec.dataset == "alpaca" ? "Alpaca" : spec.dataset }

    /// The caption's facts: profile, models, data subset, training, evaluation limits, std kind,
    /// seeds, runner, and each column's exact metric key.
    public func caption(columns: [Column], extra: String = "") -> String {
        var parts: [String] = []
        var p = "Profile `\(profile.name)`"
        if profile.provisional { p += " (provisional scale-down: steps and limits to be re-set from the trainer's measured speed)" }
        parts.append(p + ".")
        let models = profile.models.map { m in
            m.settingsFrom == m.id ? m.label : "\(m.label) (η, λ as the paper's \(m.settingsFrom))"
        }
        parts.append("Models: \(models.joined(separator: ", ")); fine-tuned on \(datasetLabel), subset "
                     + "`\(profile.datasets[spec.dataset]?.subset.serialized() ?? "all")`.")
        if let d = trainingDataFacts() { parts.append(d) }
        if let t = profile.datasets[spec.dataset]?.training, !t.isEmpty {
            parts.append("Training: " + t.pairs.map { "\($0.0)=\($0.1.serialized())" }.joined(separator: ", ") + ".")
        }
        let ev = profile.evaluation
        parts.append("Evaluation: " + (ev.isEmpty ? "full benchmarks" :
            ev.pairs.map { "\($0.0)=\($0.1.serialized())" }.joined(separator: ", ")) + ".")
        let seeds = profile.seeds.map(String.init).joined(separator: ", ")
        parts.append("Mean ± \(stdKind.caption) over seeds \(seeds); × 100.")
        if let r = aggregation.runner {
            parts.append(r.contains("synthetic") ? "Runner: \(r) — INVENTED NUMBERS for testing the pipeline, not results."
                                                 : "Runner: \(r).")
        }
        if !columns.isEmpty {
            parts.append("Columns: " + columns.map { "\($0.header) = \($0.metricDescription)" }.joined(separator: "; ") + ".")
        }
        if !extra.isEmpty { parts.append(extra) }
        return parts.joined(separator: " ")
    }

    /// What the subset left to train on (from the aggregation's one read of each run.json); nil when
    /// no cell recorded it. One clause per distinct fact, so a model whose tokenizer differs shows its own.
    func trainingDataFacts() -> String? {
        let d = aggregation.trainingData
        guard !d.isEmpty else { return nil }
        return "Trained on " + d.map { profile.models.count > 1 ? "\($0.model): \($0.facts)" : $0.facts }
            .joined(separator: "; ") + "."
    }

    /// A row's label with its grid point when the spec sweeps one.
    public func rowLabel(_ r: Aggregation.Row, showGrid: Bool) -> String {
        guard showGrid else { return r.method.label }
        var s = r.method.label
        var bits: [String] = []
        if let e = r.eta { bits.append("η \(String(format: "%g", e * 100))th") }
        if let l = r.lambda { bits.append("λ \(l.label)") }
        if let lr = r.learningRate { bits.append("lr \(String(format: "%g", lr))") }
        if !bits.isEmpty { s += " (" + bits.joined(separator: ", ") + ")" }
        return s
    }

    /// Notes for rows that could not be filled: unavailable (with the fetch command), failed seeds,
    /// missing metrics.
    public func rowNotes(_ rows: [Aggregation.Row], columns: [String]) -> [String] {
        var notes: [String] = []
        for r in rows {
            let label = "\(r.model.label) / \(r.method.label)"
            if let u = r.unavailable { notes.append("\(label): not run — \(u)") }
            for (seed, e) in r.errors.sorted(by: { $0.key < $1.key }) { notes.append("\(label), seed \(seed): failed — \(e)") }
            let pending = r.status.filter { $0.value == .pending || $0.value == .running || $0.value == .interrupted || $0.value == .trained }
            if !pending.isEmpty, r.unavailable == nil {
                notes.append("\(label): seeds \(pending.keys.sorted().map(String.init).joined(separator: ", ")) not finished")
            }
            for c in columns { if let m = r.missing[c] { notes.append("\(label): \(c) \(m)") } }
        }
        return notes
    }
}
