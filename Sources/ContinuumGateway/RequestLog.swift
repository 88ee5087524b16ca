import ContinuumEngine
import ContinuumLedger
import ContinuumRouting
import Foundation

/// Tokens one request used, from the engine's result or an upstream's `usage`.
struct TokenCounts: Sendable {
    var prompt: Int
    var completion: Int
    var cached: Int
    /// Counted by the gateway (its tokenizer, or one per streamed chunk), not reported.
    var estimated = false

    init(prompt: Int, completion: Int, cached: Int, estimated: Bool = false) {
        self.prompt = prompt
        self.completion = completion
        self.cached = cached
        self.estimated = estimated
    }

    init(_ r: GenerationResult) {
        self.init(prompt: r.promptTokens, completion: r.completionTokens, cached: r.cachedPromptTokens)
    }
}

/// The ledger row of one request, and the claims it holds (its replica ticket, its budget
/// reservation), owned by one object: begun when the request is routed, ended exactly once
/// by `finish`. The owner is what every path hands on (handler, stream body, cascade step),
/// and if the last of them drops it unfinished, `deinit` ends the row as an error and
/// releases the claims, so no path can leave a row `in_progress`, a replica's count raised
/// or budget reserved. The writer is asynchronous: never on the critical path.
final class RequestLog: @unchecked Sendable {
    // `@unchecked Sendable`: state is behind `lock`; a request's task and its stream body
    // use it one after the other, and `deinit` may run anywhere.
    private let lock = NSLock()
    let ledger: Ledger?
    let metrics: GatewayMetrics
    let limiter: RateLimiter
    let started: ContinuousClock.Instant
    private var row: UsageRecord
    private var ticket: RouteTicket?
    private var reservation: BudgetAccounts.Reservation?
    private var finished = false

    init(ledger: Ledger?, metrics: GatewayMetrics, limiter: RateLimiter, requestID: String, keyID: Int64?, model: String,
         started: ContinuousClock.Instant, reservation: BudgetAccounts.Reservation? = nil, user: String? = nil,
         personalData: [String] = []) {
        self.ledger = ledger
        self.metrics = metrics
        self.limiter = limiter
        self.started = started
        self.reservation = reservation
        row = UsageRecord(requestID: requestID, keyID: keyID, model: model, routeReason: "no backend could take it", status: .inProgress)
        row.user = user
        row.personalData = personalData.isEmpty ? nil : personalData.joined(separator: ",")
        _ = ledger?.begin(row)
    }

    /// The row as it is now (for tests and headers).
    var record: UsageRecord { lock.withLock { row } }

    /// Changes the row before it is finished (ids of cascade attempts, the route text).
    func update(_ change: (inout UsageRecord) -> Void) { lock.withLock { change(&row) } }

    /// The request was sent to `pick`'s backend (again, after a retry or a fallback): the
    /// previous replica's claim ends, the row names the new one.
    func route(_ pick: ReplicaGroup.Pick, reasons: [RouteReason]) {
        let previous = lock.withLock { () -> RouteTicket? in
            defer { ticket = pick.ticket }
            row.tier = pick.backend.tier.rawValue
            row.backend = pick.backend.name
            row.policy = pick.policy
            row.routeReason = reasons.text
            row.reasonCode = reasons.primaryCode
            if let e = reasons.lazy.compactMap(\.escalation).last { row.escalation = e }
            return ticket
        }
        if let previous, previous !== pick.ticket { previous.finish() }
    }

    /// Hands the budget reservation back to the request without settling it (a cascade
    /// attempt that was escalated: the step that answers settles it).
    func dropReservation() { lock.withLock { reservation = nil } }

    /// Marks the row as a cascade's (`no`, `before`, `after`).
    func escalation(_ value: String) { lock.withLock { row.escalation = value } }

    /// Ends the row: counts, status, times; releases the ticket and settles the budget
    /// reservation to what was used. Only the first call counts.
    func finish(counts: TokenCounts?, status: RequestStatus, httpStatus: Int, error: String? = nil,
                firstToken: ContinuousClock.Instant? = nil) {
        let now = ContinuousClock.now
        let (record, ticket, reservation) = lock.withLock { () -> (UsageRecord?, RouteTicket?, BudgetAccounts.Reservation?) in
            guard !finished else { return (nil, nil, nil) }
            finished = true
            row.finishedAt = Date()
            if let c = counts {
                row.promptTokens = c.prompt
                row.completionTokens = c.completion
                row.cachedTokens = c.cached
                row.tokensEstimated = c.estimated
            }
            if let f = firstToken { row.timeToFirstTokenMs = (f - started).inSeconds * 1000 }
            row.totalMs = (now - started).inSeconds * 1000
            row.status = status
            row.httpStatus = httpStatus
            row.error = error
            defer { self.ticket = nil; self.reservation = nil }
            return (row, self.ticket, self.reservation)
        }
        guard let record else { return }
        ticket?.finish()
        reservation?.settle(used: record.billedTokens)
        _ = ledger?.record(record)
        metrics.finished(record)
        if let key = record.keyID, let c = counts {
            limiter.charge(key: key, tokens: c.prompt + c.completion, now: Date().timeIntervalSince1970)
        }
        metrics.request(model: record.model, status: status, backend: record.backend ?? "", counts: counts,
                        timeToFirstToken: firstToken.map { $0 - started })
    }

    func finish(_ result: GenerationResult?, status: RequestStatus, httpStatus: Int, error: String? = nil,
                firstToken: ContinuousClock.Instant? = nil) {
        finish(counts: result.map(TokenCounts.init), status: status, httpStatus: httpStatus, error: error, firstToken: firstToken)
    }

    /// The first token came: the replica's prefill for this request is done.
    func firstToken() { lock.withLock { ticket }?.firstToken() }

    /// Streams report the gap between consecutive tokens.
    func tokenGap(_ d: Duration) { metrics.interTokenLatency(d) }

    deinit {
        finish(counts: nil, status: .error, httpStatus: 500, error: "the request ended without an answer")
    }
}

