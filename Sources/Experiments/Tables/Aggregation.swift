import Checkpoints
import Foundation

/// The store's finished cells arranged for tables: one row per (model, method, η, λ, lr), each
/// column's value per seed.
public struct Aggregation {
    public struct Row {
        /// The cell id without its seed.
        public var key: String
        public var model: ModelEntry
        public var method: MethodSpec
        public var eta: Double?
        public var lambda: LambdaSchedule?
        public var learningRate: Double?
        public var cells: [Int: String]
        public var status: [Int: CellStatus]
        /// Column id → seed → score (× 100).
        public var values: [String: [Int: Double]] = [:]
        /// Column id → what the results lacked.
        public var missing: [String: MissingMetrics] = [:]
        public var unavailable: Unavailability?
        public var errors: [Int: String] = [:]

        public var doneSeeds: [Int] { status.filter { $0.value == .done }.map(\.key).sorted() }

        public func values(_ column: String) -> [Double] {
            guard let v = values[column] else { return [] }
            return v.keys.sorted().map { v[$0]! }
        }
    }

    public var rows: [Row]
    public var seeds: [Int]
    public var runner: String?
    /// What each model's trained cells recorded about their data (examples, loss tokens, rows skipped
    /// as longer than cutoff_len), distinct, in cell order: a subset rule alone can overstate the data.
    public var trainingData: [(model: String, facts: String)] = []

    public func rows(model: String) -> [Row] { rows.filter { $0.model.id == model } }
    public var models: [ModelEntry] {
        var seen = Set<String>(), out: [ModelEntry] = []
        for r in rows where seen.insert(r.model.id).inserted { out.append(r.model) }
        return out
    }

    /// Reads every cell's run.json and results.json. Derived columns: `avg` (mean of the eight main
    /// columns), `ssb` and `grb` (Table 3), each per seed where all parts exist.
    public static func collect(cells: [Cell], store: ResultStore, locations: Locations? = nil) throws -> Aggregation {
        var rows: [Row] = [], index: [String: Int] = [:]
        var runners = Set<String>()
        var trainingData: [(model: String, facts: String)] = []
        let allColumns = Columns.main + Columns.truthfulSub + Columns.ifevalSub
        for c in cells {
            let key = String(c.id.dropLast(".s\(c.seed)".count))
            if index[key] == nil {
                index[key] = rows.count
                rows.append(Row(key: key, model: c.model, method: c.method, eta: c.eta, lambda: c.lambda,
                                learningRate: c.learningRate, cells: [:], status: [:]))
            }
            let i = index[key]!
            rows[i].cells[c.seed] = c.id
            let rec = try store.record(c.id)
            if let f = rec.flatMap({ dataFacts($0.provenance) }), !trainingData.contains(where: { $0 == (c.model.label, f) }) {
                trainingData.append((c.model.label, f))
            }
            var status = try store.status(of: c.id)
            if let un = rec?.unavailable ?? (status == .done ? nil : locations?.unavailability(of: c)) {
                rows[i].unavailable = un
                if status != .done { status = .unavailable }
            }
            rows[i].status[c.seed] = status
            if let e = rec?.error, status == .failed { rows[i].errors[c.seed] = e }
            guard status == .done, let results = try store.results(c.id) else { continue }
            if let r = rec?.runner { runners.insert(r) }
            for col in allColumns {
                switch col.value(in: results) {
                case .success(let v): rows[i].values[col.id, default: [:]][c.seed] = v
                case .failure(let m): rows[i].missing[col.id] = m
                }
            }
            func derived(_ id: String, _ parts: [Column]) {
                let vs = parts.compactMap { rows[i].values[$0.id]?[c.seed] }
                if vs.count == parts.count { rows[i].values[id, default: [:]][c.seed] = Statistics.mean(vs) }
            }
            derived("avg", Columns.main)
            derived("ssb", Columns.subjectSpecific)
            derived("grb", Columns.generalReasoning)
        }
        let seeds = Array(Set(cells.map(\.seed))).sorted()
        return Aggregation(rows: rows, seeds: seeds, runner: runners.sorted().joined(separator: ", ").nilIfEmpty,
                           trainingData: trainingData)
    }

    /// A trained cell's data as its provenance recorded it, or nil when it recorded none.
    static func dataFacts(_ p: JSONObject) -> String? {
        guard let n = p["examples"]?.intValue else { return nil }
        var f = "\(n) examples"
        if let t = p["loss_tokens"]?.intValue { f += ", \(t) loss tokens" }
        if let rows = p["data_rows"]?.intValue, let skipped = p["rows_skipped_cutoff"]?.intValue {
            f += " (of \(rows) rows, \(skipped) skipped as longer than cutoff_len or without loss tokens)"
        }
        return f
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
