import ContinuumEngine
import ContinuumLedger
import Prometheus

/// Prometheus metrics of the gateway and its engines, served as text at `GET /metrics`.
/// Every label comes from a bounded set (served model names, backend names, request
/// statuses, token kinds), never from client input: a request reaches a metric only after
/// its model was found among the configured ones.
public final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let locals: [(backend: LocalBackend, gauges: EngineGauges)]
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

    init(locals: [LocalBackend]) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.locals = locals.map { ($0, EngineGauges(registry, backend: $0.name)) }
    }

    /// Counts a finished request.
    func request(model: String, status: RequestStatus, backend: String, counts: TokenCounts?, timeToFirstToken: Duration?) {
        registry.makeCounter(
            descriptor: .init(namespace: "continuum", metricName: "requests", unitName: "total", helpText: "Requests by model, backend and outcome"),
            labels: [("model", model), ("backend", backend), ("status", status.rawValue)]
        ).increment()
        if let t = timeToFirstToken {
            registry.makeDurationHistogram(
                descriptor: .init(namespace: "continuum", metricName: "time_to_first_token", unitName: "seconds",
                                  helpText: "Time from accepting a request to its first generated token"),
                labels: [("model", model)], buckets: Self.latency
            ).record(t)
        }
        if let c = counts {
            for (kind, n) in [("prompt", c.prompt), ("completion", c.completion), ("cached_prompt", c.cached)] {
                registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: "tokens", unitName: "total",
                                                       helpText: "Tokens processed, by kind"),
                                     labels: [("model", model), ("kind", kind)]).increment(by: Int64(n))
            }
        }
    }

    func interTokenLatency(_ d: Duration) {
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "continuum", metricName: "inter_token_latency", unitName: "seconds",
                              helpText: "Time between consecutive streamed tokens"),
            labels: [], buckets: Self.gaps
        ).record(d)
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
        return registry.emitToBuffer()
    }
}
