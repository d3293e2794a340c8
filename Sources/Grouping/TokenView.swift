// The token-importance view (the paper's Figures 5–7): chosen examples, each token shaded by its
// score — blue for high, red for low, by rank within the example so methods with different scales
// compare — and the important ones outlined; one column per method, side by side; one
// self-contained HTML file (inline CSS, no scripts, no external resources).

public enum TokenView {
    /// One method's masks.
    public struct Column {
        public var title: String
        public var rows: [Int: MaskRow]
        public init(title: String, set: MaskSet) {
            self.title = title
            rows = Dictionary(set.rows.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The page. `tokenText` spells a token that has no text range (special tokens).
    public static func html(examples: [GroupingExample], columns: [Column], title: String,
                            tokenText: (Int) -> String) -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 16px; background: #fff; color: #111; }
        h1 { font-size: 18px; } h2 { font-size: 15px; margin: 18px 0 6px; }
        .legend span { padding: 1px 6px; margin-right: 4px; }
        .row { display: grid; grid-template-columns: repeat(\(max(columns.count, 1)), minmax(0, 1fr)); gap: 12px; }
        .col { border: 1px solid #ccc; padding: 8px; }
        .col h3 { font-size: 13px; margin: 0 0 6px; }
        .text { font-family: monospace; font-size: 12px; white-space: pre-wrap; line-height: 1.9; }
        .t { border-radius: 2px; }
        .imp { outline: 2px solid #000; outline-offset: -1px; }
        .special { color: #777; font-size: 10px; }
        </style></head><body>
        <h1>\(escape(title))</h1>
        <p class="legend">Shading by score rank within the example:
        <span style="background:\(color(0))">lowest</span><span style="background:\(color(0.5))">middle</span><span style="background:\(color(1))">highest</span>
        <span class="imp">important</span> (outlined). Hover a token for its score.</p>

        """
        for e in examples {
            out += "<h2>Example \(e.index) (\(e.lossCount) loss tokens)</h2>\n<div class=\"row\">\n"
            for c in columns {
                out += "<div class=\"col\"><h3>\(escape(c.title))"
                guard let r = c.rows[e.index] else { out += " — no masks</h3></div>\n"; continue }
                let k = r.important.filter { $0 }.count
                out += " — \(k)/\(r.ids.count) important</h3><div class=\"text\">"
                let ranks = rankFractions(r.scores)
                for i in r.ids.indices {
                    let piece = tokenPiece(e, i, r.ids[i], tokenText)
                    let cls = "t" + (r.important[i] ? " imp" : "") + (piece.special ? " special" : "")
                    out += "<span class=\"\(cls)\" style=\"background:\(color(ranks[i]))\" title=\"\(r.scores[i])\">"
                    out += escape(piece.text) + "</span>"
                }
                out += "</div></div>\n"
            }
            out += "</div>\n"
        }
        return out + "</body></html>\n"
    }

    static func tokenPiece(_ e: GroupingExample, _ i: Int, _ id: Int, _ tokenText: (Int) -> String) -> (text: String, special: Bool) {
        if let text = e.text, let offs = e.lossOffsets, i < offs.count, !offs[i].isEmpty {
            let scalars = text.unicodeScalars
            let lo = scalars.index(scalars.startIndex, offsetBy: offs[i].lowerBound)
            let hi = scalars.index(lo, offsetBy: offs[i].count)
            return (String(scalars[lo..<hi]), false)
        }
        return (tokenText(id), true)
    }

    /// Rank of each score in [0, 1] (ties share their mean rank).
    static func rankFractions(_ s: [Double]) -> [Double] {
        guard s.count > 1 else { return s.map { _ in 1 } }
        let order = s.indices.sorted { s[$0] < s[$1] }
        var r = [Double](repeating: 0, count: s.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, s[order[j + 1]] == s[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 / Double(s.count - 1) }
            i = j + 1
        }
        return r
    }

    /// Red (0) → white (0.5) → blue (1).
    static func color(_ x: Double) -> String {
        let t = min(max(x, 0), 1)
        let (r, g, b): (Double, Double, Double) = t < 0.5
            ? (214 + (255 - 214) * t * 2, 96 + (255 - 96) * t * 2, 77 + (255 - 77) * t * 2)
            : (255 - (255 - 69) * (t - 0.5) * 2, 255 - (255 - 117) * (t - 0.5) * 2, 255 - (255 - 180) * (t - 0.5) * 2)
        return "rgb(\(Int(r.rounded())),\(Int(g.rounded())),\(Int(b.rounded())))"
    }

    static func escape(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }
}
