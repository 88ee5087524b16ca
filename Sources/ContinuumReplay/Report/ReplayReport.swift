import Foundation

/// Tables, CSV and SVG charts of simulation runs.
public enum ReplayReport {
    public static let csvHeader = "policy,load_factor,requests,rejected,mean_ttft_s,p50_ttft_s,p99_ttft_s,throughput_tok_s,hit_rate,load_imbalance"

    public static func csvRow(_ r: SimulationResult) -> String {
        [r.policy, fmt(r.loadFactor), "\(r.outcomes.count)", "\(r.rejected)", fmt(r.meanTTFT), fmt(r.p50TTFT), fmt(r.p99TTFT),
         fmt(r.throughput), fmt(r.hitRate), fmt(r.loadImbalance)].joined(separator: ",")
    }

    public static func csv(_ results: [SimulationResult]) -> String {
        ([csvHeader] + results.map(csvRow)).joined(separator: "\n") + "\n"
    }

    /// A Markdown table, one row per run.
    public static func markdown(_ results: [SimulationResult]) -> String {
        var s = "| policy | load | TTFT mean | TTFT p50 | TTFT p99 | throughput (tok/s) | hit rate | imbalance | rejected |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            s += "| \(r.policy) | \(fmt(r.loadFactor))× | \(secs(r.meanTTFT)) | \(secs(r.p50TTFT)) | \(secs(r.p99TTFT)) | "
            s += "\(String(format: "%.0f", r.throughput)) | \(String(format: "%.1f%%", r.hitRate * 100)) | \(String(format: "%.2f", r.loadImbalance)) | \(r.rejected) |\n"
        }
        return s
    }

    /// Grouped bars: mean and p99 TTFT per policy (log-free, seconds).
    public static func barChartSVG(_ results: [SimulationResult], title: String) -> String {
        let w = 760.0, h = 360.0, left = 70.0, bottom = 60.0, top = 40.0
        let maxV = max(results.map(\.p99TTFT).max() ?? 1, 1e-9) * 1.1
        let slot = (w - left - 20) / Double(max(1, results.count))
        var s = svgHeader(w, h, title)
        s += axis(left: left, top: top, bottom: h - bottom, right: w - 20, maxV: maxV, unit: "s")
        for (i, r) in results.enumerated() {
            let x = left + Double(i) * slot + slot * 0.15
            let bw = slot * 0.32
            for (j, (v, color)) in [(r.meanTTFT, "#4e79a7"), (r.p99TTFT, "#e15759")].enumerated() {
                let bh = (h - bottom - top) * v / maxV
                s += "<rect x=\"\(f(x + Double(j) * bw))\" y=\"\(f(h - bottom - bh))\" width=\"\(f(bw - 2))\" height=\"\(f(bh))\" fill=\"\(color)\"/>\n"
                s += "<text x=\"\(f(x + Double(j) * bw + bw / 2))\" y=\"\(f(h - bottom - bh - 3))\" font-size=\"10\" text-anchor=\"middle\">\(secs(v))</text>\n"
            }
            s += "<text x=\"\(f(x + bw))\" y=\"\(f(h - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(esc(r.policy))</text>\n"
            s += "<text x=\"\(f(x + bw))\" y=\"\(f(h - bottom + 30))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">hit \(String(format: "%.0f%%", r.hitRate * 100))</text>\n"
        }
        s += legend([("TTFT mean", "#4e79a7"), ("TTFT p99", "#e15759")], x: w - 200, y: top - 18)
        return s + "</svg>\n"
    }

    /// Lines: p99 TTFT against load factor, one per policy.
    public static func sweepChartSVG(_ results: [SimulationResult], title: String) -> String {
        let w = 760.0, h = 380.0, left = 70.0, bottom = 50.0, top = 40.0, right = 20.0
        var policies: [String] = []
        for r in results where !policies.contains(r.policy) { policies.append(r.policy) }
        let loads = Array(Set(results.map(\.loadFactor))).sorted()
        let maxV = max(results.map(\.p99TTFT).max() ?? 1, 1e-9) * 1.1
        let colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"]
        func x(_ l: Double) -> Double {
            guard let lo = loads.first, let hi = loads.last, hi > lo else { return left }
            return left + (w - left - right) * (l - lo) / (hi - lo)
        }
        func y(_ v: Double) -> Double { h - bottom - (h - bottom - top) * v / maxV }
        var s = svgHeader(w, h, title)
        s += axis(left: left, top: top, bottom: h - bottom, right: w - right, maxV: maxV, unit: "s")
        for l in loads { s += "<text x=\"\(f(x(l)))\" y=\"\(f(h - bottom + 16))\" font-size=\"10\" text-anchor=\"middle\">\(fmt(l))×</text>\n" }
        s += "<text x=\"\(f((w + left) / 2))\" y=\"\(f(h - 10))\" font-size=\"11\" text-anchor=\"middle\">load (× the trace's arrival rate)</text>\n"
        var legendItems: [(String, String)] = []
        for (i, p) in policies.enumerated() {
            let pts = results.filter { $0.policy == p }.sorted { $0.loadFactor < $1.loadFactor }
            let c = colors[i % colors.count]
            legendItems.append((p, c))
            s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts.map { "\(f(x($0.loadFactor))),\(f(y($0.p99TTFT)))" }.joined(separator: " "))\"/>\n"
        }
        s += legend(legendItems, x: left + 10, y: top)
        return s + "</svg>\n"
    }

    static func svgHeader(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(f(w / 2))\" y=\"20\" font-size=\"14\" text-anchor=\"middle\">\(esc(title))</text>\n"
    }

    static func axis(left: Double, top: Double, bottom: Double, right: Double, maxV: Double, unit: String) -> String {
        var s = "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = maxV * Double(k) / 4
            let yy = bottom - (bottom - top) * Double(k) / 4
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(yy))\" x2=\"\(f(right))\" y2=\"\(f(yy))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(yy + 4))\" font-size=\"10\" text-anchor=\"end\">\(secs(v))</text>\n"
        }
        return s
    }

    static func legend(_ items: [(String, String)], x: Double, y: Double) -> String {
        var s = ""
        for (i, (label, color)) in items.enumerated() {
            let yy = y + Double(i) * 15
            s += "<rect x=\"\(f(x))\" y=\"\(f(yy))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>\n"
            s += "<text x=\"\(f(x + 14))\" y=\"\(f(yy + 9))\" font-size=\"11\">\(esc(label))</text>\n"
        }
        return s
    }

    static func secs(_ v: Double) -> String {
        v >= 10 ? String(format: "%.1f s", v) : v >= 1 ? String(format: "%.2f s", v) : String(format: "%.0f ms", v * 1000)
    }

    static func fmt(_ v: Double) -> String { String(format: "%.4g", v) }
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
