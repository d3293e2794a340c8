import Foundation

/// A published number: mean and (when printed) the ± beside it.
public struct PublishedValue: Equatable, Sendable {
    public var mean: Double
    public var std: Double?

    /// "52.78 ± 0.16", "41.11" or "+1.03".
    public init(parsing s: String, field: YAMLField) throws {
        let parts = s.components(separatedBy: "±").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let m = Double(parts[0]), parts.count <= 2 else { throw field.error("expected \"mean ± std\" or a number, got \"\(s)\"") }
        mean = m
        if parts.count == 2 {
            guard let d = Double(parts[1]) else { throw field.error("bad ± value in \"\(s)\"") }
            std = d
        }
    }
}

/// One of the paper's Tables transcribed under `experiments/paper/tableN.yaml`: rows per model and
/// method id (the spec's ids), one value per column id.
public struct PaperTable: Sendable {
    public var number: Int
    public var caption: String
    public var columns: [String]
    /// dataset ("" when the table has one) → model id → method id → values.
    public var values: [String: [String: [String: [PublishedValue]]]]
    /// Table 3's printed Δ rows, same keys.
    public var deltas: [String: [String: [String: [PublishedValue]]]]
    /// Rows whose printed average does not recompute: (model, method).
    public var inconsistentAverages: [(model: String, method: String)]
    /// Table 3 entries that do not recompute from Tables 1/2: "dataset/model/method/column".
    public var inconsistentWithMainTables: [String]

    public func row(dataset: String = "", model: String, method: String) -> [PublishedValue]? {
        values[dataset]?[model]?[method]
    }

    public static func load(_ url: URL) throws -> PaperTable {
        let root = try YAMLField.load(url)
        try root.onlyKeys(["table", "dataset", "caption", "std", "columns", "models", "datasets", "deltas",
                           "inconsistent_averages", "inconsistent_with_tables_1_2"])
        let columns = try root.required("columns").items().map { try $0.string() }
        func models(_ f: YAMLField) throws -> [String: [String: [PublishedValue]]] {
            var out: [String: [String: [PublishedValue]]] = [:]
            for (model, rows) in try f.entries() {
                var byMethod: [String: [PublishedValue]] = [:]
                if rows.isSequence {  // Table 4: one row per model
                    byMethod[""] = try parseRow(rows, count: columns.count)
                } else {
                    for (method, r) in try rows.entries() { byMethod[method] = try parseRow(r, count: columns.count) }
                }
                out[model] = byMethod
            }
            return out
        }
        var values: [String: [String: [String: [PublishedValue]]]] = [:]
        if let m = try root.optional("models") { values[""] = try models(m) }
        if let d = try root.optional("datasets") {
            for (ds, f) in try d.entries() { values[ds] = try models(f) }
        }
        var deltas: [String: [String: [String: [PublishedValue]]]] = [:]
        if let d = try root.optional("deltas") {
            for (ds, f) in try d.entries() { deltas[ds] = try models(f) }
        }
        var inconsistent: [(String, String)] = []
        for i in try root.optional("inconsistent_averages")?.items() ?? [] {
            inconsistent.append((try i.required("model").string(), try i.required("method").string()))
        }
        var crossTable: [String] = []
        for i in try root.optional("inconsistent_with_tables_1_2")?.items() ?? [] {
            crossTable.append(try ["dataset", "model", "method", "column"].map { try i.required($0).string() }
                .joined(separator: "/"))
        }
        return PaperTable(number: try root.required("table").int(), caption: try root.required("caption").string(),
                          columns: columns, values: values, deltas: deltas, inconsistentAverages: inconsistent,
                          inconsistentWithMainTables: crossTable)
    }

    static func parseRow(_ f: YAMLField, count: Int) throws -> [PublishedValue] {
        let items = try f.items()
        guard items.count == count else { throw f.error("expected \(count) values, got \(items.count)") }
        return try items.map { try PublishedValue(parsing: try $0.string(), field: $0) }
    }
}
