import AsyncHTTPClient
import ContinuumOpenAI
import Foundation
import NIOCore
import NIOHTTP1

/// Replays a trace, scaled down, against a real OpenAI-compatible endpoint (a `continuum
/// serve` gateway in front of replicas): each request is sent at its (scaled) arrival time
/// as a streaming `/v1/completions` call whose prompt is token ids synthesised from the
/// trace's block ids, so requests that share leading block ids share exactly that token
/// prefix. Records time to first token, cached tokens (usage), the replica
/// (`x-continuum-backend`) and failures.
public struct LiveDriver: Sendable {
    public struct Options: Sendable {
        public var baseURL: String
        public var model: String
        /// Prompt tokens standing for one trace block (Mooncake's are 512 tokens).
        public var tokensPerBlock: Int = 32
        public var maxPromptTokens: Int = 3000
        public var maxOutputTokens: Int = 16
        /// Arrival times are multiplied by this (0.1 replays ten times faster).
        public var timeScale: Double = 1
        public var apiKey: String?

        public init(baseURL: String, model: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model
        }
    }

    public let options: Options

    public init(_ options: Options) { self.options = options }

    /// The synthetic prompt of a trace request: `tokensPerBlock` ids per block id, the last
    /// block cut to the request's (scaled) length; ids in 1000..<48000 (no special tokens).
    public func prompt(_ r: TraceRequest) -> [Int] {
        let scaled = max(1, min(options.maxPromptTokens, r.promptTokens * options.tokensPerBlock / r.blockSize))
        var ids: [Int] = []
        ids.reserveCapacity(scaled)
        for h in r.blockHashes {
            var x = h
            for _ in 0..<options.tokensPerBlock {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                ids.append(1000 + Int((x >> 33) % 47000))
                if ids.count == scaled { return ids }
            }
        }
        return ids
    }

    /// Runs every request; `progress` is told of each one finished.
    public func run(_ trace: [TraceRequest], progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async -> LiveResult {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(600)),
                                                     connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)))
        let start = ContinuousClock.now
        let t0 = trace.first?.arrival ?? 0
        let counter = Counter()
        let outcomes = await withTaskGroup(of: (Int, LiveOutcome).self) { group in
            for (i, r) in trace.enumerated() {
                let due = start + .milliseconds(Int((r.arrival - t0) * options.timeScale * 1000))
                group.addTask {
                    try? await Task.sleep(until: due, clock: .continuous)
                    let o = await send(r, client: client, start: start)
                    progress(counter.increment(), trace.count)
                    return (i, o)
                }
            }
            var out = [LiveOutcome?](repeating: nil, count: trace.count)
            for await (i, o) in group { out[i] = o }
            return out.map { $0! }
        }
        try? await client.shutdown()
        return LiveResult(outcomes: outcomes)
    }

    private func send(_ r: TraceRequest, client: HTTPClient, start: ContinuousClock.Instant) async -> LiveOutcome {
        let ids = prompt(r)
        let body: [String: Any] = [
            "model": options.model, "prompt": ids, "max_tokens": min(options.maxOutputTokens, max(1, r.outputTokens)),
            "temperature": 0, "stream": true, "stream_options": ["include_usage": true],
        ]
        var out = LiveOutcome(promptTokens: ids.count)
        let sent = ContinuousClock.now
        out.sent = seconds(sent - start)
        do {
            var request = HTTPClientRequest(url: options.baseURL + "/completions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            if let k = options.apiKey { request.headers.add(name: "authorization", value: "Bearer \(k)") }
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            let response = try await client.execute(request, timeout: .seconds(900))
            out.replica = response.headers.first(name: "x-continuum-backend")
            guard response.status.code == 200 else {
                let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
                out.error = "HTTP \(response.status.code): \(text.prefix(200))"
                return out
            }
            var parser = SSEParser()
            var done = false
            for try await chunk in response.body {
                for e in try parser.feed(chunk.readableBytesView) {
                    if e.isDone { done = true; continue }
                    if e.data.hasPrefix(#"{"error""#) { out.error = String(e.data.prefix(200)); continue }
                    if out.firstToken == nil, e.data.contains(#""text":""#), !e.data.contains(#""text":"""#) {
                        out.firstToken = seconds(ContinuousClock.now - start)
                    }
                    if e.data.contains(#""usage":{"#), let u = try? JSONDecoder().decode(UsageChunk.self, from: Data(e.data.utf8)).usage {
                        out.cachedTokens = u.cachedTokens
                        out.outputTokens = u.completionTokens
                        if out.firstToken == nil { out.firstToken = seconds(ContinuousClock.now - start) }
                    }
                }
            }
            if !done && out.error == nil { out.error = "stream ended without [DONE]" }
            out.finish = seconds(ContinuousClock.now - start)
        } catch {
            out.error = "\(error)"
        }
        return out
    }

    private struct UsageChunk: Decodable { var usage: Usage? }

    private func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) * 1e-18
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func increment() -> Int { lock.withLock { n += 1; return n } }
    }
}

/// One live request: times in seconds from the start of the replay.
public struct LiveOutcome: Sendable {
    public var promptTokens: Int
    public var sent = 0.0
    public var firstToken: Double?
    public var finish: Double?
    public var cachedTokens = 0
    public var outputTokens = 0
    public var replica: String?
    public var error: String?

    public var timeToFirstToken: Double? { firstToken.map { $0 - sent } }
}

/// A live replay's outcomes, summarised as a simulation's are (so reports are shared).
public struct LiveResult: Sendable {
    public let outcomes: [LiveOutcome]

    public var failures: [LiveOutcome] { outcomes.filter { $0.error != nil } }

    public func summary(policy: String, timeScale: Double) -> SimulationResult {
        let replicas = Array(Set(outcomes.compactMap(\.replica))).sorted()
        let mapped = outcomes.map { o in
            RequestOutcome(arrival: o.sent, firstToken: o.error == nil ? o.firstToken : nil, finish: o.error == nil ? o.finish : nil,
                           replica: o.replica.flatMap { replicas.firstIndex(of: $0) } ?? -1, promptTokens: o.promptTokens,
                           cachedTokens: o.cachedTokens, outputTokens: o.outputTokens)
        }
        // Work per replica: prompt tokens it had to prefill (the live stand-in for busy time).
        let work = replicas.indices.map { i in
            Double(mapped.filter { $0.replica == i }.reduce(0) { $0 + $1.promptTokens - $1.cachedTokens })
        }
        return SimulationResult(policy: policy, loadFactor: 1 / timeScale, outcomes: mapped, replicaBusySeconds: work)
    }
}
