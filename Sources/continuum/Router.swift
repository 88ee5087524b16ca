import ArgumentParser
import ContinuumEngine
import ContinuumReplay
import ContinuumRouting
import Foundation

/// `continuum router train|eval`: the quality router that decides, before generating,
/// whether the small model will do (docs/EVALUATION.md, docs/research/quality-routing.md).
struct Router: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and evaluate the quality router (small model or large, from the prompt's embedding).",
        subcommands: [RouterTrain.self, RouterEval.self])
}

/// Options both subcommands share: where the data and the embeddings come from.
struct RouterDataOptions: ParsableArguments {
    @Option(help: "Folder holding routing-quality/ (default: $CONTINUUM_DATA or ../shared/data).") var data: String?
    @Option(help: "Extra outcomes to train on: JSONL of {\"prompt\", \"weak\", \"strong\"} (repeatable).") var jsonl: [String] = []
    @Flag(help: "Only the --jsonl outcomes, not the benchmarks (a router for another model pair).") var onlyJsonl = false
    @Option(help: "Embedding model directory (all-MiniLM-L6-v2 from scripts/fetch-model.sh minilm).") var embeddingModel: String?
    @Option(help: "Embedding cache / precomputed embeddings (JSONL, see EmbeddingCache; default ~/.cache/continuum/embeddings/all-MiniLM-L6-v2.jsonl).")
    var embeddings: String?
    @Option(help: "L2 regularisation.") var lambda = QualityRouter.defaultLambda
    @Option(help: "Newton steps.") var iterations = QualityRouter.defaultIterations

    static let modelName = "all-MiniLM-L6-v2"

    func load() throws -> (sets: [QualityDataSet], examples: [QualityExample], vectors: [[Float]]) {
        let dir = data ?? ProcessInfo.processInfo.environment["CONTINUUM_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "../shared/data"
        if onlyJsonl && jsonl.isEmpty { throw ValidationError("--only-jsonl needs at least one --jsonl file") }
        var sets = onlyJsonl ? [] : try QualityData.all(dataDirectory: dir)
        for (i, path) in jsonl.enumerated() { sets.append(try QualityData.jsonl(path: path, benchmark: "jsonl\(jsonl.count > 1 ? "-\(i + 1)" : "")")) }
        for s in sets {
            log("\(s.benchmark): \(s.examples.count) prompts (\(s.excluded) contaminated left out, \(s.unscored) without scores)")
        }
        let examples = sets.flatMap(\.examples)
        return (sets, examples, try embed(examples.map(\.prompt)))
    }

    /// Embeddings of `texts`: from the cache where it has them, the rest computed with the
    /// embedding engine (and added to the cache, so a second run embeds nothing).
    func embed(_ texts: [String]) throws -> [[Float]] {
        let path = embeddings ?? NSHomeDirectory() + "/.cache/continuum/embeddings/\(Self.modelName).jsonl"
        var cache = try EmbeddingCache(path: path, model: Self.modelName)
        var missing: [String] = []
        var seen = Set<UInt64>()
        for t in texts where cache.lookup(t) == nil && seen.insert(EmbeddingCache.key(t)).inserted { missing.append(t) }
        if !missing.isEmpty {
            let directory = embeddingModel.map { ($0 as NSString).expandingTildeInPath } ?? ModelLocation.defaultEmbeddingDirectory
            let engine: EmbeddingEngine
            do {
                engine = try EmbeddingEngine(directory: URL(fileURLWithPath: directory))
            } catch {
                throw ValidationError("cannot load the embedding model at \(directory): \(error) (scripts/fetch-model.sh minilm fetches it)")
            }
            guard engine.modelName == Self.modelName else {
                throw ValidationError("the router is trained on \(Self.modelName) embeddings, not \(engine.modelName)")
            }
            log("embedding \(missing.count) prompts with \(engine.modelName) (\(texts.count - missing.count) cached in \(path))")
            let started = Date()
            for start in stride(from: 0, to: missing.count, by: 64) {
                let batch = Array(missing[start..<min(missing.count, start + 64)])
                for (t, v) in zip(batch, try engine.embed(batch)) { try cache.add(t, v) }
                let done = start + batch.count
                if done % 512 < 64 || done == missing.count {
                    let rate = Double(done) / max(1e-9, Date().timeIntervalSince(started))
                    log("  \(done)/\(missing.count) (\(Int(rate)) prompts/s)")
                }
            }
            try cache.save()
        } else {
            log("embeddings: all \(texts.count) from \(path)")
        }
        return texts.map { cache.lookup($0)! }
    }
}

func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

struct RouterTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the quality router on all benchmarks pooled and write the router file.",
        discussion: """
            Logistic regression on the prompt's all-MiniLM-L6-v2 embedding predicting "the weak model falls short" \
            (strong score > weak score), trained on GSM8K, MT-Bench (RouteLLM, contaminated prompts left out) and \
            RouterBench ARC-Challenge, MBPP, Winogrande (Mixtral-8x7B vs GPT-4-1106) pooled. The share→threshold \
            table is calibrated on 5-fold out-of-fold scores. Deterministic: the same data give the same file.
            """)

    @OptionGroup var options: RouterDataOptions
    @Option(help: "Where to write the router file.") var out = "routers/minilm-logistic.json"

    func run() throws {
        let (_, examples, vectors) = try options.load()
        let start = Date()
        let (router, cv) = try QualityRouter.train(examples: examples, embeddings: vectors, embeddingModel: RouterDataOptions.modelName,
                                                   lambda: options.lambda, iterations: options.iterations, progress: { log($0) })
        let data = try router.encoded()
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: out))
        log(String(format: "trained in %.1f s; wrote %@ (%d bytes)", Date().timeIntervalSince(start), out, data.count))
        print(RouterEval.table(cv))
    }
}

struct RouterEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "5-fold cross-validation of the quality router: APGR, CPT(50%), CPT(80%) per benchmark, as a Markdown table.")

    @OptionGroup var options: RouterDataOptions
    @Option(help: "Write each prompt's out-of-fold score here (JSONL {benchmark, prompt, score}, in input order).")
    var scoresOut: String?

    func run() throws {
        let (_, examples, vectors) = try options.load()
        let cv = try QualityCrossValidation(examples: examples, embeddings: vectors, lambda: options.lambda, iterations: options.iterations,
                                            progress: { log("fold \($0 + 1)/5 done") })
        print(Self.table(cv))
        if let scoresOut {
            let e = JSONEncoder()
            e.outputFormatting = .sortedKeys
            var out = Data()
            for (x, score) in zip(examples, cv.outOfFold) {
                out += try e.encode(ScoreLine(benchmark: x.benchmark, prompt: x.prompt, score: score)) + Data("\n".utf8)
            }
            try out.write(to: URL(fileURLWithPath: scoresOut))
            log("wrote \(examples.count) out-of-fold scores to \(scoresOut)")
        }
    }

    private struct ScoreLine: Encodable {
        let benchmark: String
        let prompt: String
        let score: Double
    }

    static func table(_ cv: QualityCrossValidation) -> String {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        func f3(_ x: Double) -> String { String(format: "%.3f", x) }
        var s = """
            | benchmark | prompts | escalate | weak | strong | router APGR | CPT(50%) | CPT(80%) | random APGR | CPT(50%) | CPT(80%) | paper (RouteLLM) |
            |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|

            """
        for r in cv.rows {
            s += "| \(r.benchmark) | \(r.prompts) | \(r.escalating) | \(f3(r.weak)) | \(f3(r.strong)) | \(f3(r.router.apgr)) | \(pct(r.router.cpt50)) | "
            s += "\(pct(r.router.cpt80)) | \(f3(r.random.apgr)) | \(pct(r.random.cpt50)) | \(pct(r.random.cpt80)) | \(PaperFigures.best[r.benchmark] ?? "not evaluated") |\n"
        }
        let mean = cv.rows.map(\.router.apgr).reduce(0, +) / Double(max(1, cv.rows.count))
        s += "\nmean router APGR over benchmarks: \(f3(mean)); random routing in expectation: APGR 0.500, CPT(x) = x\n"
        return s
    }
}

/// The RouteLLM paper's figures for the same benchmark and model pair (GPT-4-1106 vs
/// Mixtral-8x7B), best router; sources and the full tables in docs/research/quality-routing.md.
enum PaperFigures {
    static let best: [String: String] = [
        "mt-bench": "MF, Arena+judge data: APGR 0.802, CPT(50%) 13.40%, CPT(80%) 31.31% (random, sampled: CPT(50%) 49.03%)",
        "gsm8k": "causal LLM, Arena+judge data: CPT(50%) 33.64% (other figures: docs/research/quality-routing.md)",
    ]
}
