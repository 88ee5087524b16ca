import ContinuumEngine
import ContinuumLedger
import Foundation

/// Tokens one request used, from the engine's result or an upstream's `usage`.
struct TokenCounts: Sendable {
    var prompt: Int
    var completion: Int
    var cached: Int

    init(prompt: Int, completion: Int, cached: Int) {
        self.prompt = prompt
        self.completion = completion
        self.cached = cached
    }

    init(_ r: GenerationResult) {
        self.init(prompt: r.promptTokens, completion: r.completionTokens, cached: r.cachedPromptTokens)
    }
}

/// The ledger row of one request, filled in as the request goes: begun when it is
/// routed, recorded when it ends (the writer is asynchronous: never on the critical path).
struct RequestLog: Sendable {
    let ledger: Ledger?
    let metrics: GatewayMetrics
    let limiter: RateLimiter
    var record: UsageRecord
    let started: ContinuousClock.Instant
    /// The route's claim on its replica's load, released as the request goes.
    var ticket: RouteTicket?

    init(ledger: Ledger?, metrics: GatewayMetrics, limiter: RateLimiter, requestID: String, keyID: Int64?, model: String,
         route: ReplicaGroup.Pick?, started: ContinuousClock.Instant) {
        self.ledger = ledger
        self.metrics = metrics
        self.limiter = limiter
        self.started = started
        ticket = route?.ticket
        record = UsageRecord(requestID: requestID, keyID: keyID, model: model, tier: route?.backend.tier.rawValue,
                             backend: route?.backend.name, routeReason: route?.reason ?? "no backend could take it", status: .inProgress)
        _ = ledger?.begin(record)
    }

    /// A retry moved the request to another backend.
    mutating func reroute(_ route: ReplicaGroup.Pick) {
        ticket?.finish()
        ticket = route.ticket
        record.tier = route.backend.tier.rawValue
        record.backend = route.backend.name
        record.routeReason = route.reason
    }

    mutating func finish(_ result: GenerationResult?, status: RequestStatus, httpStatus: Int, error: String? = nil,
                         firstToken: ContinuousClock.Instant? = nil) {
        finish(counts: result.map(TokenCounts.init), status: status, httpStatus: httpStatus, error: error, firstToken: firstToken)
    }

    mutating func finish(counts: TokenCounts?, status: RequestStatus, httpStatus: Int, error: String? = nil,
                         firstToken: ContinuousClock.Instant? = nil) {
        let now = ContinuousClock.now
        ticket?.finish()
        record.finishedAt = Date()
        if let c = counts {
            record.promptTokens = c.prompt
            record.completionTokens = c.completion
            record.cachedTokens = c.cached
        }
        if let f = firstToken { record.timeToFirstTokenMs = milliseconds(f - started) }
        record.totalMs = milliseconds(now - started)
        record.status = status
        record.httpStatus = httpStatus
        record.error = error
        _ = ledger?.record(record)
        if let key = record.keyID, let c = counts {
            limiter.charge(key: key, tokens: c.prompt + c.completion, now: Date().timeIntervalSince1970)
        }
        metrics.request(model: record.model, status: status, backend: record.backend ?? "", counts: counts,
                        timeToFirstToken: firstToken.map { $0 - started })
    }

    /// The first token came: the replica's prefill for this request is done.
    func firstToken() { ticket?.firstToken() }

    /// Streams report the gap between consecutive tokens.
    func tokenGap(_ d: Duration) { metrics.interTokenLatency(d) }

    private func milliseconds(_ d: Duration) -> Double { d.inSeconds * 1000 }
}
