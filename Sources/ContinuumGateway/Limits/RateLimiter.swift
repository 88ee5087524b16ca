import Foundation

/// Requests-per-minute and tokens-per-minute limits per API key. Lock around the buckets;
/// the clock is passed in. Memory is bounded by the number of keys (buckets of keys not
/// seen for `idleSeconds` are dropped).
public final class RateLimiter: @unchecked Sendable {
    // `@unchecked Sendable`: `buckets` and `sharedLimits` are only touched under `lock`.
    private let lock = NSLock()
    private var buckets: [Int64: (requests: MinuteWindow?, tokens: MinuteWindow?, seen: Double)] = [:]
    private let idleSeconds: Double
    private var sharedLimits: SharedLimits?

    /// Lease from the shared store's buckets from now on (set once, before serving).
    func attach(_ shared: SharedLimits) { lock.withLock { sharedLimits = shared } }
    var shared: SharedLimits? { lock.withLock { sharedLimits } }

    public init(idleSeconds: Double = 600) {
        self.idleSeconds = idleSeconds
    }

    /// Admits one request of key `id` with the given limits, or returns the seconds to wait.
    public func admit(key id: Int64, requestsPerMinute: Int?, tokensPerMinute: Int?, now: Double) -> Double? {
        lock.withLock {
            if buckets[id] == nil {
                buckets[id] = (requestsPerMinute.map { MinuteWindow(perMinute: $0) },
                               tokensPerMinute.map { MinuteWindow(perMinute: $0) }, now)
                if buckets.count > 10_000 { buckets = buckets.filter { now - $0.value.seen < idleSeconds } }
            }
            // Mutated in place: a copy out of the dictionary would copy the windows' slots.
            buckets[id]!.seen = now
            if let wait = buckets[id]!.tokens?.waitForPositive(now: now) { return wait }
            if let wait = buckets[id]!.requests?.take(1, now: now) { return wait }
            return nil
        }
    }

    /// Charges the tokens a finished request used against its key's tokens-per-minute.
    public func charge(key id: Int64, tokens: Int, now: Double) {
        let shared = lock.withLock {
            buckets[id]?.tokens?.charge(Double(tokens), now: now)
            return sharedLimits
        }
        shared?.rates.charge(key: id, tokens: tokens)
    }
}
