import ContinuumEngine
import ContinuumLedger
import Prometheus

/// Prometheus metrics of the gateway and its engine, served as text at `GET /metrics`.
/// Every label comes from a bounded set (the served model names, backend names, request
/// statuses), never from client input.
public final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let engine: BatchEngine
    private let model: String
    private let ttft: DurationHistogram
    private let itl: DurationHistogram
    private let promptTokens: Counter
    private let completionTokens: Counter
    private let cachedTokens: Counter
    private let queueDepth: Gauge
    private let running: Gauge
    private let kvUsed: Gauge
    private let kvCached: Gauge
    private let kvTotal: Gauge
    private let prefixHitRate: Gauge
    private let preemptions: Gauge

    init(engine: BatchEngine, model: String) {
        self.engine = engine
        self.model = model
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let m = [("model", model)]
        let latency: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                   .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        ttft = registry.makeDurationHistogram(
            descriptor: .init(namespace: "continuum", metricName: "time_to_first_token", unitName: "seconds",
                              helpText: "Time from accepting a request to its first generated token"),
            labels: m, buckets: latency)
        itl = registry.makeDurationHistogram(
            descriptor: .init(namespace: "continuum", metricName: "inter_token_latency", unitName: "seconds",
                              helpText: "Time between consecutive streamed tokens"),
            labels: m, buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
                                 .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        @Sendable func tokens(_ kind: String) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: "tokens", unitName: "total",
                                                   helpText: "Tokens processed, by kind"), labels: m + [("kind", kind)])
        }
        promptTokens = tokens("prompt")
        completionTokens = tokens("completion")
        cachedTokens = tokens("cached_prompt")
        @Sendable func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: name, helpText: help), labels: m)
        }
        queueDepth = gauge("queue_depth", "Requests waiting for admission")
        running = gauge("running_sequences", "Sequences being prefilled or decoded")
        kvUsed = gauge("kv_blocks_used", "KV cache blocks referenced by running sequences")
        kvCached = gauge("kv_blocks_cached", "Unreferenced KV blocks kept for prefix reuse")
        kvTotal = gauge("kv_blocks_total", "KV cache blocks in all")
        prefixHitRate = gauge("prefix_hit_rate", "Share of prompt tokens served from the prefix cache since start")
        preemptions = gauge("preemptions", "Sequences preempted for lack of KV blocks since start")
    }

    /// Counts a finished request.
    func request(status: RequestStatus, backend: String, result: GenerationResult?, timeToFirstToken: Duration?) {
        registry.makeCounter(
            descriptor: .init(namespace: "continuum", metricName: "requests", unitName: "total", helpText: "Requests by model, backend and outcome"),
            labels: [("model", model), ("backend", backend), ("status", status.rawValue)]
        ).increment()
        if let t = timeToFirstToken { ttft.record(t) }
        if let r = result {
            promptTokens.increment(by: Int64(r.promptTokens))
            completionTokens.increment(by: Int64(r.completionTokens))
            cachedTokens.increment(by: Int64(r.cachedPromptTokens))
        }
    }

    func interTokenLatency(_ d: Duration) { itl.record(d) }

    /// The exposition text, with the engine's gauges read now.
    func render() -> [UInt8] {
        let s = engine.stats
        queueDepth.set(Double(s.waiting))
        running.set(Double(s.running))
        kvUsed.set(Double(s.blocksUsed))
        kvCached.set(Double(s.blocksCached))
        kvTotal.set(Double(s.blockCount))
        prefixHitRate.set(s.promptTokens == 0 ? 0 : Double(s.cachedPromptTokens) / Double(s.promptTokens))
        preemptions.set(Double(s.preemptions))
        return registry.emitToBuffer()
    }
}
