import ContinuumLedger
import Foundation
import ServiceLifecycle

extension Gateway {
    /// Shares this instance's budgets and rate limits through the store (attached to the
    /// budget accounts and the rate limiter before serving) and runs QuotaService.
    func quotaServices(_ store: SharedStore) -> [any Service] {
        let shared = budgets.shared ?? SharedLimits(store: store, policy: configuration.storeUnreachable)
        budgets.attach(shared)
        limiter.attach(shared)
        return [QuotaService(limits: shared, grace: configuration.shutdownGrace)]
    }

    /// `continuum_shared_store_statements_total` for /metrics (nothing without a store).
    static func sharedStoreMetrics(_ store: SharedStore?) -> [UInt8] {
        guard let store else { return [] }
        return Array("""
            # HELP continuum_shared_store_statements_total Statements sent to the shared store (PostgreSQL) by this instance
            # TYPE continuum_shared_store_statements_total counter
            continuum_shared_store_statements_total \(store.statements)

            """.utf8)
    }
}

/// Keeps this instance's share of the limits alive: a heartbeat every second (`instances`),
/// reclaiming the reservations and leases of instances silent for the TTL, leases taken
/// ahead of need and idle ones given back (every 50 ms, no statement unless needed), and
/// budget settlements that could not reach the store retried until they land. At a
/// graceful shutdown it gives its leases back, beats on until the requests in flight have
/// settled (at most the shutdown grace), and leaves.
struct QuotaService: Service {
    let limits: SharedLimits
    /// Seconds to wait at shutdown for requests in flight to settle (the gateway's grace).
    let grace: Double
    var tick: Duration = .milliseconds(50)
    var beat: Double = 1

    func run() async throws {
        let clock = ContinuousClock()
        // Reclaim only after this instance has itself reached the store for a whole TTL: after
        // the store comes back, every live instance has beaten again by then, so none is taken
        // for dead because the outage silenced its heartbeats too.
        var reachableSince: ContinuousClock.Instant?
        var lastBeat: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now
            if lastBeat.map({ now - $0 >= .seconds(beat) }) ?? true {
                lastBeat = now
                let reclaim = reachableSince.map { now - $0 >= .seconds(limits.ttl) } ?? false
                let store = limits.store, ttl = limits.ttl
                do {
                    try await store.heartbeat(ttl: ttl, reclaim: reclaim)
                    if reachableSince == nil { reachableSince = now }
                } catch {
                    reachableSince = nil
                }
                if limits.budgets.pendingCount > 0 { await limits.budgets.retryPending() }
            }
            await limits.rates.refresh(now: Date().timeIntervalSince1970)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
        await limits.rates.returnAll()
        // Keep beating while requests admitted here still stream (or their settlements wait for
        // the store): silent, their reservations would be reclaimed by the others and spent twice.
        let until = clock.now + .seconds(grace)
        while (limits.budgets.openCount > 0 || limits.budgets.pendingCount > 0) && clock.now < until {
            let store = limits.store, ttl = limits.ttl
            _ = try? await store.heartbeat(ttl: ttl, reclaim: false)
            await limits.budgets.retryPending()
            try? await Task.sleep(for: .seconds(beat))
        }
        try? await limits.store.leave()
    }
}
