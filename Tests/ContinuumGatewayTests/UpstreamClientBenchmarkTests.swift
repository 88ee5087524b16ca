import AsyncHTTPClient
import ContinuumGateway
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// UpstreamClient against AsyncHTTPClient, same process, same upstream: per-request latency
/// (median, p99), requests/s and this process's CPU per request. Off unless
/// CONTINUUM_UPSTREAM_BENCH is set, so it never fails or slows CI. The upstream is the
/// in-process test server, or CONTINUUM_UPSTREAM_BENCH_URL (e.g. the C stub of
/// shared/bench/gateway at http://127.0.0.1:9100/v1, which keeps the server out of the CPU
/// figures). CONTINUUM_UPSTREAM_BENCH_N sets requests per run (default 20000),
/// CONTINUUM_UPSTREAM_BENCH_ONLY=UpstreamClient (or AsyncHTTPClient) measures one client.
@Suite struct UpstreamClientBenchmarkTests {
    static let env = ProcessInfo.processInfo.environment

    struct Stats {
        var median: Duration
        var p99: Duration
        var perSecond: Double
        var cpuMicrosPerRequest: Double
    }

    @Test(.enabled(if: env["CONTINUUM_UPSTREAM_BENCH"] != nil, "set CONTINUUM_UPSTREAM_BENCH=1 to run"))
    func upstreamClientAgainstAsyncHTTPClient() async throws {
        let server: UpstreamTestServer? = Self.env["CONTINUUM_UPSTREAM_BENCH_URL"] == nil ? try await .start() : nil
        let base = Self.env["CONTINUUM_UPSTREAM_BENCH_URL"] ?? server!.baseURL
        let path = server == nil ? "/chat/completions" : "/ok"
        let total = Self.env["CONTINUUM_UPSTREAM_BENCH_N"].flatMap { Int($0) } ?? 20_000
        let only = Self.env["CONTINUUM_UPSTREAM_BENCH_ONLY"]  // one client's name, to profile it alone
        let json = #"{"model":"stub","messages":[{"role":"user","content":"Say hello in five words."}],"max_tokens":16,"stream":false}"#
        let body = ByteBuffer(string: json)

        let upstream = try UpstreamClient(baseURL: base, maxConnections: 64)
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(5), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
        configuration.httpVersion = .http1Only
        let ahc = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

        let viaUpstream: @Sendable () async throws -> Void = {
            let r = try await upstream.execute(method: .POST, path: path, headers: [("content-type", "application/json")], body: body,
                                               firstByteTimeout: .seconds(30), readTimeout: .seconds(30))
            precondition(r.status == 200)
            _ = try await r.body.collect(upTo: 1 << 20)
        }
        let viaAHC: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: base + path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(body)
            let r = try await ahc.execute(request, timeout: .seconds(30))
            precondition(r.status == .ok)
            _ = try await r.body.collect(upTo: 1 << 20)
        }

        print("upstream \(base)\(path), \(total) POSTs per run")
        print("| client | conc | run | p50 µs | p99 µs | req/s | process CPU µs/req |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for concurrency in [1, 32] {
            _ = try await Self.run(concurrency: concurrency, total: 2000, viaUpstream)  // warm up both pools
            _ = try await Self.run(concurrency: concurrency, total: 2000, viaAHC)
            for round in 1...2 {
                for (name, one) in [("UpstreamClient", viaUpstream), ("AsyncHTTPClient", viaAHC)] where only == nil || only == name {
                    let s = try await Self.run(concurrency: concurrency, total: total, one)
                    print("| \(name) | \(concurrency) | \(round) | " + String(format: "%.1f | %.1f | %.0f | %.1f |",
                          s.median.micros, s.p99.micros, s.perSecond, s.cpuMicrosPerRequest))
                }
            }
        }
        await upstream.shutdown()
        try await ahc.shutdown()
        await server?.stop()
    }

    static func run(concurrency: Int, total: Int, _ one: @escaping @Sendable () async throws -> Void) async throws -> Stats {
        let each = total / concurrency
        let cpu0 = processCPU()
        let start = ContinuousClock.now
        var latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var l: [Duration] = []
                    l.reserveCapacity(each)
                    for _ in 0..<each {
                        let t0 = ContinuousClock.now
                        try await one()
                        l.append(.now - t0)
                    }
                    return l
                }
            }
            var all: [Duration] = []
            for try await l in group { all += l }
            return all
        }
        let wall = ContinuousClock.now - start
        let cpu = processCPU() - cpu0
        latencies.sort()
        let n = latencies.count
        return Stats(median: latencies[n / 2], p99: latencies[min(n - 1, n * 99 / 100)],
                     perSecond: Double(n) / wall.seconds, cpuMicrosPerRequest: cpu * 1e6 / Double(n))
    }

    /// User + system CPU seconds of this process.
    static func processCPU() -> Double {
        var u = rusage()
        getrusage(0, &u)  // RUSAGE_SELF (an enum on Glibc, an Int32 on Darwin)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var micros: Double { seconds * 1e6 }
}
