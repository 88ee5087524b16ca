package import ContinuumLedger
import Foundation

/// The cost of a rate-limit check on the hot path, for `continuum bench-limits`: admissions
/// of one key through SharedRates while its lease holds (what RateLimitMiddleware runs per
/// request with a shared store), beside the single-instance RateLimiter.
package enum LimitsBenchmark {
    package struct Result: Sendable {
        /// Time of each admission served from the lease (no statement).
        package var hits: [Duration]
        /// Admissions that had to take a lease first (a statement, timed separately).
        package var misses: [Duration]
        /// Time of each admission by the in-memory RateLimiter of one instance.
        package var local: [Duration]
        /// Statements sent to the store during the run.
        package var statements: Int
    }

    /// `count` admissions of key `keyID` at `perMinute` (high, so the bucket never runs dry).
    package static func run(store: SharedStore, keyID: Int64, perMinute: Int, count: Int) async throws -> Result {
        let rates = SharedRates(store: store)
        let clock = ContinuousClock()
        let before = store.statements
        var hits: [Duration] = [], misses: [Duration] = []
        hits.reserveCapacity(count)
        for i in 0..<count {
            let statementsBefore = store.statements
            let t0 = clock.now
            let wait = try await rates.admit(key: keyID, requestsPerMinute: perMinute, tokensPerMinute: nil, now: Date().timeIntervalSince1970)
            let t = clock.now - t0
            precondition(wait == nil, "the bucket ran dry: raise perMinute")
            if store.statements == statementsBefore { hits.append(t) } else { misses.append(t) }
            // The background refill, as QuotaService runs it every tick.
            if i % 64 == 0 { await rates.refresh(now: Date().timeIntervalSince1970) }
        }
        let statements = store.statements - before
        await rates.returnAll()
        let limiter = RateLimiter()
        var local: [Duration] = []
        local.reserveCapacity(count)
        for _ in 0..<count {
            let t0 = clock.now
            _ = limiter.admit(key: keyID, requestsPerMinute: Int.max / 2, tokensPerMinute: nil, now: Date().timeIntervalSince1970)
            local.append(clock.now - t0)
        }
        return Result(hits: hits, misses: misses, local: local, statements: statements)
    }
}
