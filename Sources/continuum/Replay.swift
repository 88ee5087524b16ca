import ArgumentParser
import ContinuumReplay
import ContinuumRouting
import Foundation

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a real trace against simulated replicas under each routing policy; print and write the comparison.",
        discussion: """
            Traces (from ../shared/data or --data): mooncake (traces/mooncake/synthetic_trace.jsonl: arrivals, lengths, \
            512-token prefix block ids), azure-code, azure-conv (traces/azure_llm_2023: arrivals and lengths, no prefixes), \
            sharegpt (lengths/sharegpt_8k…csv with Poisson arrivals at --rate). Or --file PATH with --format.
            Profiles: a100-llama2-7b (vidur's A100 profiling data), cpu-smollm2 (continuum bench on 2 cores), or a JSON file.
            --operating-point raises the load until round-robin's p99 TTFT first exceeds 10× its value at --idle-load, \
            then compares every policy there. Results: a Markdown table on stdout; with --out DIR also CSV and SVG.
            """)

    @Option(help: "mooncake | azure-code | azure-conv | sharegpt") var trace = "mooncake"
    @Option(help: "A trace file instead of --trace (with --format).") var file: String?
    @Option(help: "Format of --file: mooncake | azure | lengths.") var format: String?
    @Option(help: "Folder of the shared data (default: $CONTINUUM_DATA or ../shared/data).") var data: String?
    @Option(help: "Replicas.") var replicas = 8
    @Option(help: "Engine profile: a100-llama3-8b | a100-llama2-7b | cpu-smollm2 | PATH.json") var profile = "a100-llama3-8b"
    @Option(help: "Comma-separated policies (default: all of \(PolicyCatalog.names.joined(separator: ", "))).")
    var policies = PolicyCatalog.names.joined(separator: ",")
    @Option(help: "Load factors to run (× the trace's arrival rate), comma-separated.") var load = "1"
    @Flag(help: "Find the load where round-robin's p99 TTFT first exceeds 10× its idle value, and compare there.") var operatingPoint = false
    @Option(help: "Load used as 'idle' for --operating-point.") var idleLoad = 0.05
    @Option(help: "Requests per second for length files (sharegpt).") var rate = 2.0
    @Option(help: "Use only N requests (from --from on).") var requests: Int?
    @Option(name: .customLong("from"), help: "Skip the trace's first N requests.") var from = 0
    @Option(help: "Seed (tie-breaks, arrivals of length files).") var seed: UInt64 = 1
    @Option(help: "Folder for CSV and SVG results.") var out: String?
    @Option(help: "Continuum policy: weight of uncached tokens beyond the request's own wait.") var recomputeWeight = 1.0
    @Option(help: "Live: replay against this OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1) instead of simulating.") var live: String?
    @Option(help: "Live: the served model to ask.") var model = "default"
    @Option(help: "Live: a name for this run in the report (e.g. the gateway's policy).") var label = "live"
    @Option(help: "Live: arrival times are multiplied by this.") var timeScale = 1.0
    @Option(help: "Live: prompt tokens per trace block.") var tokensPerBlock = 32
    @Option(help: "Live: longest prompt in tokens.") var maxPrompt = 3000
    @Option(help: "Live: most output tokens per request.") var maxOutput = 16
    @Option(help: "Live: API key to send.") var apiKey: String?
    @Flag(help: "Simulate the live replay's scaled-down trace (--tokens-per-block, --max-prompt, --max-output, --time-scale).") var scaled = false
    @Option(help: "Simulated: round trip in ms of the link to each replica, comma-separated, cycled over the replicas (e.g. 5,40 for an edge and a cloud host); default 0.")
    var linkMs: String?
    @Option(help: "Simulated engines run at this multiple of the profile's speed (e.g. 0.35 for 3 one-thread replicas sharing 2 cores).") var speed = 1.0

    func run() async throws {
        if let live { return try await runLive(live) }
        var trace = try loadTrace()
        var engine = try loadProfile()
        if scaled { trace = scaledDown(trace) }
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        if speed != 1 {
            engine.linearFloorMs /= speed
            engine.linearBaseMs /= speed
            engine.linearPerTokenMs /= speed
            engine.decodeAttentionPerKVTokenMs /= speed
            engine.prefillAttention = engine.prefillAttention.map { $0 / speed }
        }
        let names = policies.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for n in names where !PolicyCatalog.names.contains(n) {
            throw ValidationError("unknown policy '\(n)' (\(PolicyCatalog.names.joined(separator: ", ")))")
        }
        Stderr.print("replay: \(trace.count) requests, \(replicas) × \(engine.name), policies \(names.joined(separator: ", "))")
        var results: [SimulationResult] = []
        var sweep: [SimulationResult] = []
        var loads = try load.split(separator: ",").map { s -> Double in
            guard let v = Double(s), v > 0 else { throw ValidationError("--load takes positive numbers") }
            return v
        }
        let links = try linkRoundTrips()
        if operatingPoint {
            let (point, tried) = findOperatingPoint(trace, engine, links: links)
            sweep = tried
            loads = [point]
        }
        for l in loads {
            for n in names {
                let start = Date()
                let r = Simulator(.init(replicas: replicas, profile: engine, loadFactor: l, linkRoundTrips: links)).run(trace, policy: PolicyCatalog.make(n, seed: seed, recomputeWeight: recomputeWeight)!)
                Stderr.print(String(format: "  %@ at %.3g×: TTFT mean %.3f s p99 %.3f s, hit %.1f%% (%.1f s)", n, l, r.meanTTFT, r.p99TTFT,
                                    r.hitRate * 100, Date().timeIntervalSince(start)))
                results.append(r)
            }
        }
        print(ReplayReport.markdown(results))
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try ReplayReport.csv(results).write(toFile: out + "/results.csv", atomically: true, encoding: .utf8)
            try ReplayReport.barChartSVG(results, title: "\(trace.count) requests, \(replicas) × \(engine.name), load \(loads.map { String(format: "%.3g", $0) }.joined(separator: ","))×")
                .write(toFile: out + "/ttft.svg", atomically: true, encoding: .utf8)
            if loads.count > 1 {
                try ReplayReport.sweepChartSVG(results, title: "p99 TTFT against load, \(replicas) × \(engine.name)")
                    .write(toFile: out + "/by-load.svg", atomically: true, encoding: .utf8)
            }
            if !sweep.isEmpty {
                try ReplayReport.csv(sweep).write(toFile: out + "/sweep.csv", atomically: true, encoding: .utf8)
                try ReplayReport.sweepChartSVG(sweep, title: "p99 TTFT against load (round-robin sweep)")
                    .write(toFile: out + "/sweep.svg", atomically: true, encoding: .utf8)
            }
            Stderr.print("wrote \(out)/results.csv, ttft.svg\(sweep.isEmpty ? "" : ", sweep.csv, sweep.svg")")
        }
    }

    /// The trace as the live driver sends it: `tokensPerBlock` tokens per block, prompts cut
    /// at `maxPrompt`, outputs at `maxOutput`, arrivals stretched by `timeScale`.
    private func scaledDown(_ trace: [TraceRequest]) -> [TraceRequest] {
        trace.map { r in
            let p = max(1, min(maxPrompt, r.promptTokens * tokensPerBlock / r.blockSize))
            let blocks = (p + tokensPerBlock - 1) / tokensPerBlock
            return TraceRequest(arrival: r.arrival * timeScale, promptTokens: p, outputTokens: min(maxOutput, max(1, r.outputTokens)),
                                blockHashes: Array(r.blockHashes.prefix(blocks)), blockSize: tokensPerBlock)
        }
    }

    private func runLive(_ url: String) async throws {
        let trace = try loadTrace()
        guard timeScale > 0, tokensPerBlock >= 1, maxPrompt >= 1, maxOutput >= 1 else {
            throw ValidationError("--time-scale, --tokens-per-block, --max-prompt and --max-output must be positive")
        }
        var o = LiveDriver.Options(baseURL: url, model: model)
        o.tokensPerBlock = tokensPerBlock
        o.maxPromptTokens = maxPrompt
        o.maxOutputTokens = maxOutput
        o.timeScale = timeScale
        o.apiKey = apiKey
        let span = ((trace.last?.arrival ?? 0) - (trace.first?.arrival ?? 0)) * timeScale
        Stderr.print(String(format: "replay live: %d requests over %.0f s against %@ (model %@)", trace.count, span, url, model))
        let result = await LiveDriver(o).run(trace) { done, total in
            if done % 10 == 0 || done == total { Stderr.print("  \(done)/\(total) done") }
        }
        let summary = result.summary(policy: label, timeScale: timeScale)
        for f in result.failures.prefix(5) { Stderr.print("  failed: \(f.error ?? "")") }
        Stderr.print("  \(result.failures.count) failed")
        print(ReplayReport.markdown([summary]))
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try ReplayReport.csv([summary]).write(toFile: out + "/\(label).csv", atomically: true, encoding: .utf8)
            try ReplayReport.barChartSVG([summary], title: "Live replay: \(trace.count) requests via \(url), \(label)")
                .write(toFile: out + "/\(label).svg", atomically: true, encoding: .utf8)
            let replicas = Dictionary(grouping: result.outcomes.compactMap(\.replica), by: { $0 }).mapValues(\.count)
            Stderr.print("  requests per replica: \(replicas.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
        if !result.failures.isEmpty { throw ExitCode(1) }
    }

    /// Doubles the load from `--idle-load` until round-robin's p99 TTFT exceeds 10× its idle
    /// value, then bisects between the last two loads (6 steps).
    private func findOperatingPoint(_ trace: [TraceRequest], _ engine: EngineProfile, links: [Double]) -> (Double, [SimulationResult]) {
        func rr(_ l: Double) -> SimulationResult {
            let r = Simulator(.init(replicas: replicas, profile: engine, loadFactor: l, linkRoundTrips: links)).run(trace, policy: RoundRobinPolicy())
            Stderr.print(String(format: "  sweep: round-robin at %.4g×: p99 TTFT %.3f s", l, r.p99TTFT))
            return r
        }
        var tried = [rr(idleLoad)]
        let target = 10 * tried[0].p99TTFT
        var lo = idleLoad, hi = idleLoad
        while hi < 1e4 {
            hi *= 2
            let r = rr(hi)
            tried.append(r)
            if r.p99TTFT > target { break }
            lo = hi
        }
        for _ in 0..<6 {
            let mid = (lo + hi) / 2
            let r = rr(mid)
            tried.append(r)
            if r.p99TTFT > target { hi = mid } else { lo = mid }
        }
        Stderr.print(String(format: "  operating point: %.4g× (round-robin p99 TTFT first above 10 × %.3f s)", hi, tried[0].p99TTFT))
        return (hi, tried.sorted { $0.loadFactor < $1.loadFactor })
    }

    /// `--link-ms` in seconds.
    private func linkRoundTrips() throws -> [Double] {
        guard let linkMs else { return [] }
        let values = linkMs.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }) else {
            throw ValidationError("--link-ms must be non-negative round trips in ms, comma-separated (e.g. 5,40), got '\(linkMs)'")
        }
        return values.map { $0! / 1000 }
    }

    private func loadTrace() throws -> [TraceRequest] {
        let dir = data ?? ProcessInfo.processInfo.environment["CONTINUUM_DATA"] ?? "../shared/data"
        var t: [TraceRequest]
        do {
            if let file {
                switch format ?? "mooncake" {
                case "mooncake": t = try TraceReaders.mooncake(path: file)
                case "azure": t = try TraceReaders.azure(path: file)
                case "lengths": t = try TraceReaders.lengths(path: file, requestsPerSecond: rate, count: requests, seed: seed)
                default: throw ValidationError("--format must be mooncake, azure or lengths")
                }
            } else {
                switch trace {
                case "mooncake": t = try TraceReaders.mooncake(path: dir + "/traces/mooncake/synthetic_trace.jsonl")
                case "azure-code": t = try TraceReaders.azure(path: dir + "/traces/azure_llm_2023/AzureLLMInferenceTrace_code.csv")
                case "azure-conv": t = try TraceReaders.azure(path: dir + "/traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv")
                case "sharegpt":
                    t = try TraceReaders.lengths(path: dir + "/lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv",
                                                 requestsPerSecond: rate, count: requests ?? 2000, seed: seed)
                default: throw ValidationError("--trace must be mooncake, azure-code, azure-conv or sharegpt")
                }
            }
        } catch let e as TraceError {
            throw ValidationError(e.description)
        }
        guard from >= 0, from < t.count else { throw ValidationError("--from must be in 0..<\(t.count)") }
        t = Array(t.dropFirst(from))
        if let requests { t = Array(t.prefix(requests)) }
        return t
    }

    private func loadProfile() throws -> EngineProfile {
        if let p = EngineProfile.builtIn.first(where: { $0.name == profile }) { return p }
        guard FileManager.default.fileExists(atPath: profile) else {
            throw ValidationError("--profile: no built-in profile or file '\(profile)' (built in: \(EngineProfile.builtIn.map(\.name).joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(EngineProfile.self, from: Data(contentsOf: URL(fileURLWithPath: profile)))
        } catch {
            throw ValidationError("--profile \(profile): \(error)")
        }
    }
}
