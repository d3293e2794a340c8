import Checkpoints
import Foundation

/// A rendered table, independent of format: a header, sections (one per base model, as in the
/// paper) of rows of entries, a caption and notes. Renders to markdown, CSV and JSON.
public struct TableModel: Sendable {
    public struct Entry: Sendable, Equatable {
        public var text: String
        public var mean: Double?
        public var std: Double?
        public var n: Int?
        public var bold = false
        public static func label(_ s: String) -> Entry { Entry(text: s) }
        public static let none = Entry(text: "—")
    }
    public struct Section: Sendable {
        public var title: String?
        public var rows: [[Entry]]
    }
    public enum Format: String, CaseIterable, Sendable { case markdown, csv, json }

    public var id: String
    public var title: String
    public var caption: String
    public var header: [String]
    public var sections: [Section]
    public var notes: [String] = []

    /// Bold the best mean of every numeric column within each section (ties all bold), as the paper.
    public mutating func boldBest(columns: Range<Int>) {
        for s in sections.indices {
            for c in columns {
                let means = sections[s].rows.compactMap { $0.count > c ? $0[c].mean.map { ($0 * 100).rounded() } : nil }
                guard let best = means.max(), means.count > 1 else { continue }
                for r in sections[s].rows.indices where sections[s].rows[r].count > c {
                    if let m = sections[s].rows[r][c].mean, (m * 100).rounded() == best { sections[s].rows[r][c].bold = true }
                }
            }
        }
    }

    public func render(_ f: Format) -> String {
        switch f {
        case .markdown: return markdown()
        case .csv: return csv()
        case .json: return json().serialized(indent: 2) + "\n"
        }
    }

    public func markdown() -> String {
        var out = "### \(title)\n\n\(caption)\n\n"
        out += "| " + header.map(Self.escape).joined(separator: " | ") + " |\n"
        out += "|" + header.enumerated().map { i, _ in i == 0 ? "---|" : "--:|" }.joined() + "\n"
        for s in sections {
            if let t = s.title {
                out += "| *\(Self.escape(t))* |" + String(repeating: " |", count: max(header.count - 1, 0)) + "\n"
            }
            for r in s.rows {
                out += "| " + r.map { e in e.bold ? "**\(Self.escape(e.text))**" : Self.escape(e.text) }
                    .joined(separator: " | ") + " |\n"
            }
        }
        if !notes.isEmpty { out += "\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// One line per row: table, section, then per column the text (label columns) or mean and std.
    public func csv() -> String {
        func q(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var head = ["table", "section"]
        for h in header { head += [h, h + " std", h + " n"] }
        var lines = [head.map(q).joined(separator: ",")]
        for s in sections {
            for r in s.rows {
                var f = [id, s.title ?? ""]
                for e in r {
                    if let m = e.mean {
                        f += [String(format: "%.4f", m), e.std.map { String(format: "%.4f", $0) } ?? "", e.n.map(String.init) ?? ""]
                    } else { f += [e.text, "", ""] }
                }
                lines.append(f.map(q).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() -> JSONValue {
        func entry(_ e: Entry) -> JSONValue {
            var o = JSONObject([("text", .string(e.text))])
            if let m = e.mean { o["mean"] = .double(m) }
            if let s = e.std { o["std"] = .double(s) }
            if let n = e.n { o["n"] = .int(n) }
            if e.bold { o["best"] = .bool(true) }
            return .object(o)
        }
        return .object(JSONObject([
            ("id", .string(id)), ("title", .string(title)), ("caption", .string(caption)),
            ("header", .array(header.map { .string($0) })),
            ("sections", .array(sections.map { s in
                .object(JSONObject([("title", s.title.map { .string($0) } ?? .null),
                                    ("rows", .array(s.rows.map { .array($0.map(entry)) }))]))
            })),
            ("notes", .array(notes.map { .string($0) })),
        ]))
    }

    /// "52.78 ± 0.16"; a value from fewer seeds than planned says so.
    public static func meanStd(_ values: [Double], planned: Int, kind: Statistics.StdKind) -> Entry {
        guard !values.isEmpty else { return .none }
        let m = Statistics.mean(values), s = Statistics.std(values, kind: kind)
        var text = String(format: "%.2f", m) + (s.map { String(format: " ± %.2f", $0) } ?? "")
        if values.count < planned { text += " (n=\(values.count))" }
        return Entry(text: text, mean: m, std: s, n: values.count)
    }

    public static func published(_ v: PublishedValue) -> Entry {
        Entry(text: String(format: "%.2f", v.mean) + (v.std.map { String(format: " ± %.2f", $0) } ?? ""),
              mean: v.mean, std: v.std, n: nil)
    }

    public static func signed(_ d: Double) -> Entry {
        Entry(text: String(format: "%+.2f", d), mean: d, std: nil, n: nil)
    }
}
