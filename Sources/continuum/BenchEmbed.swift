import ArgumentParser
import ContinuumEngine
import Foundation

/// Sentence-embedding throughput: texts per second of `EmbeddingEngine.embed`, one text per
/// call as the gateway runs them, at each thread count. scripts/bench-embeddings.py runs it
/// beside sentence-transformers on the same texts.
struct BenchEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-embed",
        abstract: "Measure sentence-embedding throughput (texts/s) of a sentence-transformers model directory.")

    @Option(name: [.short, .long], help: "Model directory (default: all-MiniLM-L6-v2 in the model cache; scripts/fetch-model.sh minilm).") var model: String?
    @Option(help: "File of texts, one JSON string per line (default: the first --count sentences of ../shared/data/pii/presidio_synth_dev.json).") var texts: String?
    @Option(help: "Texts from the default file.") var count = 200
    @Option(name: .short, help: "Thread counts, comma-separated.") var t = "1,2"
    @Option(name: .short, help: "Repetitions per thread count (the median is reported).") var r = 5
    @Flag(help: "One JSON object per thread count instead of text.") var json = false

    func run() throws {
        let threads = t.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !threads.isEmpty, threads.allSatisfy({ $0 >= 1 }), r >= 1, count >= 1 else {
            throw ValidationError("-t needs positive thread counts; -r and --count must be at least 1")
        }
        let dir = model.map { ($0 as NSString).expandingTildeInPath } ?? ModelLocation.defaultEmbeddingDirectory
        let inputs = try loadTexts()
        for n in threads {
            let engine = try EmbeddingEngine(directory: URL(fileURLWithPath: dir), threads: n)
            let tokens = inputs.reduce(0) { $0 + engine.tokenCount($1) }
            _ = try engine.embed(Array(inputs.prefix(8)))  // warm up: pages of the weights, pool threads
            var rates: [Double] = []
            for _ in 0..<r {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try engine.embed(inputs)
                rates.append(Double(inputs.count) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
            }
            rates.sort()
            let median = rates[rates.count / 2]
            if json {
                print(#"{"engine":"continuum","threads":\#(n),"texts":\#(inputs.count),"tokens":\#(tokens),"texts_per_s":\#(median),"runs":\#(rates)}"#)
            } else {
                print(String(format: "%@: %d threads, %d texts (%d tokens): median %.1f texts/s (%.0f tokens/s), min %.1f, max %.1f over %d runs",
                             engine.modelName, n, inputs.count, tokens, median, median * Double(tokens) / Double(inputs.count),
                             rates[0], rates[rates.count - 1], r))
            }
        }
    }

    private func loadTexts() throws -> [String] {
        if let texts {
            guard let data = FileManager.default.contents(atPath: texts), let s = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read \(texts)")
            }
            return try s.split(separator: "\n").map { line in
                guard let t = try? JSONDecoder().decode(String.self, from: Data(line.utf8)) else {
                    throw ValidationError("\(texts): every line must be a JSON string")
                }
                return t
            }
        }
        let path = FileManager.default.currentDirectoryPath + "/../shared/data/pii/presidio_synth_dev.json"
        struct Record: Decodable { var full_text: String }
        guard let data = FileManager.default.contents(atPath: path),
              let records = try? JSONDecoder().decode([Record].self, from: data) else {
            throw ValidationError("cannot read \(path); run from the project root or pass --texts FILE")
        }
        return records.prefix(count).map(\.full_text)
    }
}
