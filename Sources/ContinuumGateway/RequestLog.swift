import ContinuumEngine
import ContinuumLedger
import Foundation

/// The ledger row of one request, filled in as the request goes: begun when it is
/// accepted, recorded when it ends (the writer is asynchronous: never on the critical path).
struct RequestLog: Sendable {
    let ledger: Ledger?
    let metrics: GatewayMetrics
    var limiter: RateLimiter?
    var record: UsageRecord
    let started = ContinuousClock.now

    init(ledger: Ledger?, metrics: GatewayMetrics, requestID: String, keyID: Int64?, model: String) {
        self.ledger = ledger
        self.metrics = metrics
        record = UsageRecord(requestID: requestID, keyID: keyID, model: model, tier: "device", backend: "local",
                             routeReason: "single local backend", status: .inProgress)
        _ = ledger?.begin(record)
    }

    mutating func finish(_ result: GenerationResult?, status: RequestStatus, httpStatus: Int, error: String? = nil,
                         firstToken: ContinuousClock.Instant? = nil) {
        let now = ContinuousClock.now
        record.finishedAt = Date()
        if let r = result {
            record.promptTokens = r.promptTokens
            record.completionTokens = r.completionTokens
            record.cachedTokens = r.cachedPromptTokens
        }
        if let f = firstToken { record.timeToFirstTokenMs = milliseconds(f - started) }
        record.totalMs = milliseconds(now - started)
        record.status = status
        record.httpStatus = httpStatus
        record.error = error
        _ = ledger?.record(record)
        if let key = record.keyID, let r = result {
            limiter?.charge(key: key, tokens: r.promptTokens + r.completionTokens, now: Date().timeIntervalSince1970)
        }
        metrics.request(status: status, backend: record.backend ?? "local", result: result,
                        timeToFirstToken: firstToken.map { $0 - started })
    }

    /// Streams report the gap between consecutive tokens.
    func tokenGap(_ d: Duration) { metrics.interTokenLatency(d) }

    private func milliseconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) * 1000 + Double(a) * 1e-15
    }
}
