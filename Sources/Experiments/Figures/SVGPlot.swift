import Foundation

/// A small, self-contained SVG chart: one panel with axes, ticks, labels, line series or grouped
/// bars with error bars, a horizontal reference line and a legend. No scripts, fonts or links, so a
/// browser or an image viewer shows it as is.
public struct SVGPanel {
    public struct Series {
        public var name: String
        public var color: String
        public var dashed = false
        public var points: [(x: Double, y: Double)]
    }
    public struct Bar {
        public var group: String
        public var series: String
        public var color: String
        public var value: Double
        public var error: Double?
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var lines: [Series] = []
    public var bars: [Bar] = []
    /// Bar groups in x order (bar charts).
    public var groups: [String] = []
    public var reference: (label: String, y: Double, color: String)?

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// "Nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (lo / step).rounded(.down) * step, out: [Double] = []
        while t <= hi + step * 1e-9 { if t >= lo - step * 1e-9 { out.append(t) }; t += step }
        return out
    }

    static func fmt(_ v: Double) -> String {
        abs(v) >= 100 || v == v.rounded() ? String(format: "%.0f", v) : String(format: "%g", (v * 1000).rounded() / 1000)
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The panel's SVG elements inside a `width` × `height` box at (x0, y0).
    func elements(x0: Double, y0: Double, width: Double, height: Double) -> String {
        let left = x0 + 60, right = x0 + width - 15, top = y0 + 30, bottom = y0 + height - 95
        var ys = lines.flatMap { $0.points.map(\.y) } + bars.flatMap { [$0.value + ($0.error ?? 0), $0.value - ($0.error ?? 0)] }
        if let r = reference { ys.append(r.y) }
        var yLo = ys.min() ?? 0, yHi = ys.max() ?? 1
        let pad = max((yHi - yLo) * 0.08, 1e-6)
        yLo -= pad; yHi += pad
        if !bars.isEmpty { yLo = min(yLo, bars.map(\.value).min() ?? 0) - pad }
        let xs = lines.flatMap { $0.points.map(\.x) }
        let xLo = xs.min() ?? 0, xHi = max(xs.max() ?? 1, xLo + 1e-9)
        func X(_ x: Double) -> Double { left + (x - xLo) / (xHi - xLo) * (right - left) }
        func Y(_ y: Double) -> Double { bottom - (y - yLo) / (yHi - yLo) * (bottom - top) }
        var s = "<g class=\"panel\">\n"
        s += "<text x=\"\(x0 + width / 2)\" y=\"\(y0 + 18)\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(Self.esc(title))</text>\n"
        // axes
        s += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        s += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for t in Self.ticks(yLo, yHi) {
            s += "<line x1=\"\(left - 4)\" y1=\"\(Y(t))\" x2=\"\(left)\" y2=\"\(Y(t))\" stroke=\"black\"/>"
            s += "<text x=\"\(left - 7)\" y=\"\(Y(t) + 4)\" text-anchor=\"end\" font-size=\"11\">\(Self.fmt(t))</text>\n"
        }
        if bars.isEmpty {
            for t in Self.ticks(xLo, xHi) {
                s += "<line x1=\"\(X(t))\" y1=\"\(bottom)\" x2=\"\(X(t))\" y2=\"\(bottom + 4)\" stroke=\"black\"/>"
                s += "<text x=\"\(X(t))\" y=\"\(bottom + 17)\" text-anchor=\"middle\" font-size=\"11\">\(Self.fmt(t))</text>\n"
            }
            for l in lines where !l.points.isEmpty {
                let d = l.points.map { String(format: "%.2f,%.2f", X($0.x), Y($0.y)) }.joined(separator: " ")
                s += "<polyline fill=\"none\" stroke=\"\(l.color)\" stroke-width=\"2\"\(l.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(d)\"/>\n"
            }
        } else {
            var series: [String] = []
            for b in bars where !series.contains(b.series) { series.append(b.series) }
            let gw = (right - left) / Double(max(groups.count, 1)), bw = gw * 0.8 / Double(max(series.count, 1))
            for (gi, g) in groups.enumerated() {
                let gx = left + Double(gi) * gw + gw * 0.1
                s += "<text x=\"\(gx + gw * 0.4)\" y=\"\(bottom + 17)\" text-anchor=\"middle\" font-size=\"11\">\(Self.esc(g))</text>\n"
                for (si, name) in series.enumerated() {
                    guard let b = bars.first(where: { $0.group == g && $0.series == name }) else { continue }
                    let bx = gx + Double(si) * bw
                    s += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>\n",
                                bx, Y(b.value), bw * 0.9, max(bottom - Y(b.value), 0), b.color)
                    if let e = b.error {
                        let cx = bx + bw * 0.45
                        s += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n",
                                    cx, Y(b.value - e), cx, Y(b.value + e))
                    }
                }
            }
        }
        if let r = reference {
            s += "<line x1=\"\(left)\" y1=\"\(Y(r.y))\" x2=\"\(right)\" y2=\"\(Y(r.y))\" stroke=\"\(r.color)\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
        }
        s += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 34)\" text-anchor=\"middle\" font-size=\"12\">\(Self.esc(xLabel))</text>\n"
        s += "<text transform=\"translate(\(x0 + 16),\((top + bottom) / 2)) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(Self.esc(yLabel))</text>\n"
        // legend
        var entries: [(String, String, Bool)] = lines.map { ($0.name, $0.color, $0.dashed) }
        if !bars.isEmpty {
            var seen = Set<String>()
            for b in bars where seen.insert(b.series).inserted { entries.append((b.series, b.color, false)) }
        }
        if let r = reference { entries.append((r.label, r.color, true)) }
        s += "<g class=\"legend\">\n"
        for (i, e) in entries.enumerated() {
            let lx = left + Double(i % 2) * (right - left) / 2, ly = bottom + 52 + Double(i / 2) * 16
            s += "<line x1=\"\(lx)\" y1=\"\(ly - 4)\" x2=\"\(lx + 22)\" y2=\"\(ly - 4)\" stroke=\"\(e.1)\" stroke-width=\"\(bars.isEmpty || e.2 ? 2 : 8)\"\(e.2 ? " stroke-dasharray=\"6 4\"" : "")/>"
            s += "<text x=\"\(lx + 27)\" y=\"\(ly)\" font-size=\"11\">\(Self.esc(e.0))</text>\n"
        }
        s += "</g>\n</g>\n"
        return s
    }
}

public enum SVGFigure {
    /// Panels side by side, a caption line under them; a white background so screenshots are not
    /// transparent.
    public static func render(_ panels: [SVGPanel], caption: String, panelWidth: Double = 380, panelHeight: Double = 320) -> String {
        let w = panelWidth * Double(max(panels.count, 1))
        // The caption wraps at word boundaries to the figure's width (about 6 px per character).
        var lines: [String] = [], line = ""
        for word in caption.split(separator: " ") {
            if !line.isEmpty, Double(line.count + word.count + 1) * 6 > w - 20 { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        let h = panelHeight + 14 * Double(lines.count) + 10
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, p) in panels.enumerated() {
            s += p.elements(x0: Double(i) * panelWidth, y0: 0, width: panelWidth, height: panelHeight)
        }
        for (i, l) in lines.enumerated() {
            s += "<text x=\"10\" y=\"\(Int(panelHeight + 14 * Double(i) + 8))\" font-size=\"11\">\(SVGPanel.esc(l))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
