import ContinuumEngine
import ContinuumLedger
import ContinuumRouting
import Foundation
import Prometheus

/// Prometheus metrics of the gateway and its engines, served as text at `GET /metrics`.
/// Every label comes from a bounded set (served model names, backend names, request
/// statuses, token kinds), never from client input: a request reaches a metric only after
/// its model was found among the configured ones.
public final class GatewayMetrics: @unchecked Sendable {
    // `@unchecked Sendable`: the handle caches are only touched under `lock`.
    let registry: PrometheusCollectorRegistry
    private let locals: [(backend: LocalBackend, gauges: EngineGauges)]
    /// Replica groups, whose requests in flight per backend are reported at render.
    private let groups: [ReplicaGroup]
    private let lock = NSLock()
    /// Metric handles by name and labels: made once, then a dictionary lookup per use.
    private var counters: [[String]: Counter] = [:]
    private var histograms: [[String]: DurationHistogram] = [:]
    private var gauges: [[String]: Gauge] = [:]
    /// The dashboard's in-memory counters and recent samples (`GET /ui/api/live`).
    let live = LiveTally()
    private let started = ContinuousClock.now
    private static let latency: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    private static let gaps: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// The engine's state, per local backend.
    private struct EngineGauges: Sendable {
        let queueDepth, running, kvUsed, kvCached, kvTotal, prefixHitRate, preemptions: Gauge

        init(_ registry: PrometheusCollectorRegistry, backend: String) {
            func gauge(_ name: String, _ help: String) -> Gauge {
                registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: name, helpText: help), labels: [("backend", backend)])
            }
            queueDepth = gauge("queue_depth", "Requests waiting for admission")
            running = gauge("running_sequences", "Sequences being prefilled or decoded")
            kvUsed = gauge("kv_blocks_used", "KV cache blocks referenced by running sequences")
            kvCached = gauge("kv_blocks_cached", "Unreferenced KV blocks kept for prefix reuse")
            kvTotal = gauge("kv_blocks_total", "KV cache blocks in all")
            prefixHitRate = gauge("prefix_hit_rate", "Share of prompt tokens served from the prefix cache since start")
            preemptions = gauge("preemptions", "Sequences preempted for lack of KV blocks since start")
        }
    }

    init(locals: [LocalBackend], groups: [ReplicaGroup]) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.locals = locals.map { ($0, EngineGauges(registry, backend: $0.name)) }
        self.groups = groups
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        let key = [name] + labels.map(\.1)
        return lock.withLock {
            if let c = counters[key] { return c }
            let c = registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: name, unitName: "total", helpText: help),
                                         labels: labels)
            counters[key] = c
            return c
        }
    }

    private func histogram(_ name: String, _ help: String, _ labels: [(String, String)], buckets: [Duration]) -> DurationHistogram {
        let key = [name] + labels.map(\.1)
        return lock.withLock {
            if let h = histograms[key] { return h }
            let h = registry.makeDurationHistogram(
                descriptor: .init(namespace: "continuum", metricName: name, unitName: "seconds", helpText: help), labels: labels, buckets: buckets)
            histograms[key] = h
            return h
        }
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        let key = [name] + labels.map(\.1)
        return lock.withLock {
            if let g = gauges[key] { return g }
            let g = registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: name, helpText: help), labels: labels)
            gauges[key] = g
            return g
        }
    }

    /// Counts a finished request's ledger row for the dashboard (see `request` for Prometheus).
    func finished(_ row: UsageRecord) { live.record(row) }

    /// Counts a finished request.
    func request(model: String, status: RequestStatus, backend: String, counts: TokenCounts?, timeToFirstToken: Duration?) {
        counter("requests", "Requests by model, backend and outcome", [("model", model), ("backend", backend), ("status", status.rawValue)])
            .increment()
        if let t = timeToFirstToken {
            histogram("time_to_first_token", "Time from accepting a request to its first generated token", [("model", model)],
                      buckets: Self.latency).record(t)
        }
        if let c = counts {
            for (kind, n) in [("prompt", c.prompt), ("completion", c.completion), ("cached_prompt", c.cached)] {
                counter("tokens", "Tokens processed, by kind", [("model", model), ("kind", kind)]).increment(by: Int64(n))
            }
        }
    }

    /// Counts an HTTP response by route and status and times it to its head.
    func http(route: String, status: Int, since arrived: ContinuousClock.Instant) {
        counter("http_requests", "HTTP responses by route and status", [("route", route), ("status", String(status))]).increment()
        histogram("http_response_head", "Time from a request's head to its response's head", [("route", route)], buckets: Self.latency)
            .record(ContinuousClock.now - arrived)
    }

    func interTokenLatency(_ d: Duration) {
        histogram("inter_token_latency", "Time between consecutive streamed tokens", [], buckets: Self.gaps).record(d)
    }

    /// The exposition text, with the engines' gauges read now.
    func render() -> [UInt8] {
        for (backend, g) in locals {
            let s = backend.engine.stats
            g.queueDepth.set(Double(s.waiting))
            g.running.set(Double(s.running))
            g.kvUsed.set(Double(s.blocksUsed))
            g.kvCached.set(Double(s.blocksCached))
            g.kvTotal.set(Double(s.blockCount))
            g.prefixHitRate.set(s.promptTokens == 0 ? 0 : Double(s.cachedPromptTokens) / Double(s.promptTokens))
            g.preemptions.set(Double(s.preemptions))
        }
        for group in groups {
            for (backend, load) in zip(group.backends, group.replicaLoads) {
                gauge("replica_outstanding", "Requests routed to a replica and not finished yet",
                      [("model", group.model), ("backend", backend.name)]).set(Double(load.outstanding))
            }
        }
        return registry.emitToBuffer()
    }

    /// What the dashboard's live panels show: traffic counters, the engines' queues and KV
    /// blocks, and every replica's circuit and load, read now.
    func liveSnapshot() -> DashboardLive {
        let engines = locals.map { backend, _ in
            let s = backend.engine.stats
            return DashboardLive.Engine(
                backend: backend.name, waiting: s.waiting, running: s.running, kvBlocksUsed: s.blocksUsed,
                kvBlocksCached: s.blocksCached, kvBlocksTotal: s.blockCount, promptTokens: s.promptTokens,
                cachedPromptTokens: s.cachedPromptTokens,
                prefixHitRate: s.promptTokens == 0 ? 0 : Double(s.cachedPromptTokens) / Double(s.promptTokens),
                preemptions: s.preemptions)
        }
        let replicas = groups.sorted { $0.model < $1.model }.flatMap { group in
            zip(group.backends, group.replicaLoads).map { backend, load in
                DashboardLive.Replica(
                    model: group.model, backend: backend.name, tier: backend.tier.rawValue,
                    kind: { if case .local = backend { "local" } else { "openai" } }(),
                    circuit: backend.breaker.state.rawValue, outstanding: load.outstanding)
            }
        }
        return DashboardLive(time: Date().timeIntervalSince1970, uptimeSeconds: (ContinuousClock.now - started).inSeconds,
                             traffic: live.snapshot(), engines: engines, replicas: replicas)
    }
}
