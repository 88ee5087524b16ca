import ContinuumGrammar
import Foundation
import Testing

/// The real-schema corpus (Tests/data/schemas/corpus.jsonl): every schema in it is inside
/// the supported subset, so every one must compile, quickly.
private func corpusLines(_ path: String) throws -> [(id: String, schema: String)] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [(String, String)] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
        let v = try JSONSchemaParser.parse(String(line), maxDepth: 512)
        guard let id = v["id"]?.stringValue, let schema = v["schema"] else { continue }
        out.append((id, schema.canonicalText))
    }
    return out
}

private let corpusPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../data/schemas/corpus.jsonl").standardized.path

@Test func everyCorpusSchemaCompiles() throws {
    let rows = try corpusLines(corpusPath)
    #expect(rows.count >= 250)
    var failures: [String] = []
    var micros: [Double] = []
    var bytes = 0
    for r in rows {
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            let g = try JSONSchemaGrammar.gbnf(schema: r.schema)
            #expect(g.hasPrefix("root ::= "))
            bytes += g.utf8.count
        } catch {
            failures.append("\(r.id): \(error)")
        }
        micros.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3)
    }
    #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.prefix(5))")
    micros.sort()
    func p(_ q: Double) -> String { String(format: "%.1f", micros[min(micros.count - 1, Int(q * Double(micros.count - 1)))]) }
    let mean = micros.reduce(0, +) / Double(max(micros.count, 1))
    print("corpus: \(rows.count) schemas → GBNF, µs mean \(String(format: "%.1f", mean)) p50 \(p(0.5)) p99 \(p(0.99)) max \(p(1)); \(bytes / max(rows.count, 1)) grammar bytes mean")
}

/// With SCHEMA_GBNF_OUT=<dir>, writes `<line>.gbnf` (or `<line>.err` with the error) for every
/// schema of SCHEMA_CORPUS (default: the corpus), for scripts/schema-check.py and
/// scripts/schema-corpus.py to use with llama.cpp's validator as the oracle.
@Test func dumpCorpusGrammars() throws {
    guard let out = ProcessInfo.processInfo.environment["SCHEMA_GBNF_OUT"] else { return }
    let path = ProcessInfo.processInfo.environment["SCHEMA_CORPUS"] ?? corpusPath
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for (i, r) in try corpusLines(path).enumerated() {
        let base = URL(fileURLWithPath: out).appendingPathComponent("\(i)")
        do {
            let g = try JSONSchemaGrammar.gbnf(schema: r.schema)
            try g.write(to: base.appendingPathExtension("gbnf"), atomically: false, encoding: .utf8)
        } catch let e as GrammarError {
            try "\(e.kind)\t\(e.message)\n".write(to: base.appendingPathExtension("err"), atomically: false, encoding: .utf8)
        }
    }
}
