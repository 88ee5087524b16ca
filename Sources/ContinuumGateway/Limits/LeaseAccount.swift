/// One instance's share of a key's rate limit (requests or tokens per minute) held by
/// several instances: the units leased from the key's shared bucket in PostgreSQL, spent
/// here in memory. A value driven by the times it is given, tested by tables; SharedRates
/// carries out what it asks for (a lease to take, units to give back).
///
/// Requests cost one unit when admitted. Tokens are known only when a request finishes, so
/// a tokens account admits while it holds a positive balance and is charged afterwards; it
/// may go negative, and then takes more before admitting again (the overspend is paid back
/// to the shared bucket with the next lease).
package struct LeaseAccount: Sendable, Equatable {
    package enum Kind: String, Sendable { case requests, tokens }

    package let kind: Kind
    /// The key's configured rate, per minute (the shared bucket's capacity).
    package let perMinute: Int
    /// Units held here, not yet spent (negative: tokens spent beyond the lease).
    package private(set) var units: Double = 0
    /// Until when to refuse without asking the store again: it had nothing left to grant.
    package private(set) var blockedUntil: Double = 0
    /// Last admission; a lease not used for `idleSeconds` is given back.
    package private(set) var lastUsed: Double
    /// A lease is being taken for this account (in the background or by a request).
    package var taking = false

    package init(kind: Kind, perMinute: Int, now: Double) {
        self.kind = kind
        self.perMinute = perMinute
        lastUsed = now
    }

    /// Units per lease: 1% of the rate (at least 1), so the units parked at each instance
    /// stay a small part of the limit.
    package var leaseSize: Double { max(1, (Double(perMinute) / 100).rounded(.down)) }
    package var ratePerSecond: Double { Double(perMinute) / 60 }

    package enum Admission: Equatable {
        /// Admitted from the local lease: no database statement.
        case admitted
        /// Not enough here: take `want` units from the shared bucket, then `apply` and ask again.
        case needLease(want: Double)
        /// The shared bucket was empty moments ago: refuse, retry after `wait` seconds.
        case refused(wait: Double)
    }

    /// Admits one request from the units held here (the hot path).
    package mutating func admit(now: Double) -> Admission {
        let enough = kind == .requests ? units >= 1 : units > 0
        if enough {
            if kind == .requests { units -= 1 }
            lastUsed = now
            return .admitted
        }
        if now < blockedUntil { return .refused(wait: blockedUntil - now) }
        return .needLease(want: leaseSize - units.rounded(.down))
    }

    /// Adds a granted lease. When it still does not cover one request, the key's last 60 s
    /// are full: refuse for `retryAfter` seconds (the store's answer: when old grants leave
    /// the window) before asking the store again.
    package mutating func apply(granted: Double, retryAfter: Double, now: Double) {
        units += granted
        let need = kind == .requests ? 1 - units : 1e-9 - units
        if need > 0 {
            blockedUntil = perMinute > 0 ? now + max(retryAfter, 0.01) : .infinity
        }
    }

    /// Tokens a finished request used (tokens accounts only; may leave `units` negative).
    package mutating func charge(_ tokens: Int) {
        if kind == .tokens { units -= Double(tokens) }
    }

    /// Whether to take the next lease now, ahead of need: below half a lease and in use.
    package func wantsRefill(now: Double, idleSeconds: Double) -> Bool {
        !taking && units < leaseSize / 2 && now - lastUsed < idleSeconds && now >= blockedUntil
    }

    /// Whether the held units should go back to the shared bucket: unused for `idleSeconds`.
    package func isIdle(now: Double, idleSeconds: Double) -> Bool {
        !taking && units != 0 && now - lastUsed >= idleSeconds
    }

    /// Takes back units whose return to the store failed (they are still this instance's).
    package mutating func restore(_ held: Double) { units += held }

    /// Gives everything held back (the caller returns it to the bucket): what to return.
    package mutating func drain() -> Double {
        defer { units = 0 }
        return units
    }
}
