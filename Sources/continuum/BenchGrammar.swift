import ArgumentParser
import ContinuumEngine
import ContinuumGGUF
import ContinuumGrammar
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation

/// Grammar speed on real schemas, MaskBench's way: for each schema, the time to compile it
/// (JSON Schema → GBNF → matcher-ready grammar), then the time of the token mask at every
/// step of a valid instance, tokenized as the model would. The instances are those
/// scripts/schema-bench-reference.py replays through llguidance and XGrammar
/// (Tests/data/schemas/bench/tokens-*.jsonl), so the numbers sit side by side.
struct BenchGrammar: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-grammar",
        abstract: "Measure JSON-Schema grammar compile time and per-token mask time on real schemas.")

    @Option(name: [.short, .long], help: "GGUF model whose vocabulary is masked (only its tokenizer is read).") var model: String?
    @Option(help: "Instances as token ids, one JSON object a line ({\"id\", \"tokens\"}).") var tokens: String
    @Option(help: "The schema corpus the ids refer to.") var corpus = "Tests/data/schemas/corpus.jsonl"
    @Option(help: "Replays per schema; the last is timed (1: every grammar is new, as for a first request).") var repeats = 1
    @Option(help: "Write per-schema results as JSON to this file.") var out: String?

    func run() throws {
        let path = try ModelLocation.resolve(model)
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: path))
        let vocabulary = GrammarCache.tokenVocabulary(tokenizer, size: tokenizer.vocabularySize)
        var schemas: [String: String] = [:]
        for line in try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n") {
            // The raw schema text keeps its key order (properties are generated in it).
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = obj["id"] as? String,
                  let raw = RawJSON(line.utf8).topLevel("schema") else { continue }
            schemas[id] = raw
        }
        var compile: [Double] = [], masks: [Double] = [], refused = 0, rows: [[String: Any]] = []
        let lines = try String(contentsOfFile: tokens, encoding: .utf8).split(separator: "\n")
        let clock = ContinuousClock()
        for (n, line) in lines.enumerated() {
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = obj["id"] as? String, let ids = obj["tokens"] as? [Int], let schema = schemas[id] else { continue }
            do {
                let t0 = clock.now
                let gbnf = try JSONSchemaGrammar.gbnf(schema: schema)
                let toGBNF = (clock.now - t0).seconds
                let r = try GrammarBenchmark.run(grammar: gbnf, vocabulary: vocabulary, tokens: ids.map(Int32.init), repeats: repeats)
                compile.append(toGBNF + r.compileSeconds)
                masks += r.maskSeconds
                rows.append(["id": id, "compile_s": toGBNF + r.compileSeconds, "mask_s": r.maskSeconds])
            } catch {
                refused += 1
            }
            if (n + 1) % 250 == 0 { FileHandle.standardError.write(Data("  \(n + 1)/\(lines.count) schemas\n".utf8)) }
        }
        func pct(_ xs: [Double], _ p: Double) -> Double {
            let s = xs.sorted()
            return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
        }
        let mean = { (xs: [Double]) in xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        print("vocabulary: \(vocabulary.count) tokens (\((path as NSString).lastPathComponent)); \(compile.count) schemas, \(masks.count) masks, \(refused) refused; kernel-free (grammar only)")
        print(String(format: "compile ms: mean %.3f  p50 %.3f  p99 %.3f  max %.3f", mean(compile) * 1e3, pct(compile, 0.5) * 1e3, pct(compile, 0.99) * 1e3, (compile.max() ?? 0) * 1e3))
        print(String(format: "mask µs:    mean %.1f  p50 %.1f  p99 %.1f  max %.1f", mean(masks) * 1e6, pct(masks, 0.5) * 1e6, pct(masks, 0.99) * 1e6, (masks.max() ?? 0) * 1e6))
        if let out {
            let data = try JSONSerialization.data(withJSONObject: ["vocabulary": vocabulary.count, "refused": refused, "schemas": rows])
            try data.write(to: URL(fileURLWithPath: out))
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
