import ContinuumLedger
import Foundation

/// Requests- and tokens-per-minute limits shared by all instances: each key has a window of
/// its last 60 s per kind in the shared store, and each instance spends leases of it in memory
/// (LeaseAccount). A request admitted from a lease costs a lock and no statement;
/// `refresh` (QuotaService, every tick) takes the next lease before the current one runs
/// out and gives back leases left idle.
final class SharedRates: Sendable {
    let store: SharedStore
    /// Seconds a request waits for another request's lease take before it is answered 503
    /// (a take itself gives up after the store's deadline, SharedStore.query).
    let deadline: Double
    /// A lease unused this long goes back to the shared bucket.
    let idleSeconds: Double
    /// How long the store keeps a lease row of this instance after its last renewal.
    let leaseTTL: Double
    private let accounts = Locked<[AccountID: LeaseAccount]>([:])
    /// When each account's last take failed (the store unreachable).
    private let failures = Locked<[AccountID: Double]>([:])

    struct AccountID: Hashable, Sendable {
        let key: Int64
        let kind: LeaseAccount.Kind
    }

    init(store: SharedStore, deadline: Double = 2, idleSeconds: Double = 5, leaseTTL: Double = 60) {
        self.store = store
        self.deadline = deadline
        self.idleSeconds = idleSeconds
        self.leaseTTL = leaseTTL
    }

    /// Admits one request of the key, or returns the seconds to wait. Throws LedgerError when a
    /// lease was needed and the store did not answer (the leases held here are spent first).
    func admit(key: Int64, requestsPerMinute: Int?, tokensPerMinute: Int?, now: Double) async throws(LedgerError) -> Double? {
        // Tokens first: it only checks, so a refusal by the requests bucket costs no token.
        if let tpm = tokensPerMinute, let wait = try await admit(AccountID(key: key, kind: .tokens), perMinute: tpm, now: now) {
            return wait
        }
        if let rpm = requestsPerMinute, let wait = try await admit(AccountID(key: key, kind: .requests), perMinute: rpm, now: now) {
            return wait
        }
        return nil
    }

    /// Charges a finished request's tokens to the key's tokens lease here.
    func charge(key: Int64, tokens: Int) {
        accounts.withLock { $0[AccountID(key: key, kind: .tokens)]?.charge(tokens) }
    }

    private func admit(_ id: AccountID, perMinute: Int, now: Double) async throws(LedgerError) -> Double? {
        var now = now
        let giveUp = now + deadline
        while true {
            let step = accounts.withLock { all -> (LeaseAccount.Admission, owner: Bool) in
                if all[id]?.perMinute != perMinute { all[id] = LeaseAccount(kind: id.kind, perMinute: perMinute, now: now) }
                let admission = all[id]!.admit(now: now)
                guard case .needLease = admission, !all[id]!.taking else { return (admission, false) }
                all[id]!.taking = true
                return (admission, true)
            }
            switch step.0 {
            case .admitted: return nil
            case .refused(let wait): return wait
            case .needLease(let want):
                guard step.owner else {
                    // One take per account at a time, here or in the background: a request that
                    // finds the lease empty while a take is in flight waits for it. (Each taking
                    // its own lease would pile units up here, to be spent in the next minute,
                    // past the limit.)
                    if failedRecently(id, now: now) { throw LedgerError.unreachable }
                    guard now < giveUp else { throw LedgerError.unreachable }
                    try? await Task.sleep(for: .milliseconds(2))
                    now = Date().timeIntervalSince1970
                    continue
                }
                let grant: SharedStore.LeaseGrant
                do {
                    grant = try await take(id, perMinute: perMinute, want: want)
                } catch {
                    accounts.withLock { $0[id]?.taking = false }
                    failures.withLock { $0[id] = now }
                    throw error
                }
                return accounts.withLock { all -> Double? in
                    guard var a = all[id], a.perMinute == perMinute else { return 1 }
                    a.taking = false
                    a.apply(granted: grant.granted, retryAfter: grant.retryAfter, now: now)
                    defer { all[id] = a }
                    switch a.admit(now: now) {
                    case .admitted: return nil
                    case .refused(let wait): return wait
                    case .needLease: return max(1 / a.ratePerSecond, 0.001)
                    }
                }
            }
        }
    }

    /// Whether this account's last take failed less than a second ago: requests waiting on
    /// it fail at once instead of each waiting out the store's deadline in turn.
    private func failedRecently(_ id: AccountID, now: Double) -> Bool {
        failures.withLock { $0[id].map { now - $0 < 1 } ?? false }
    }

    private func take(_ id: AccountID, perMinute: Int, want: Double, returned: Double = 0) async throws(LedgerError) -> SharedStore.LeaseGrant {
        let store = store, ttl = leaseTTL
        let held = accounts.withLock { $0[id]?.units ?? 0 }
        return try await store.lease(keyID: id.key, kind: id.kind.rawValue, capacity: perMinute, want: want,
                                     returned: returned, held: max(0, held), ttl: ttl)
    }

    /// Takes the next lease of every account in use that is below half a lease, and gives
    /// back the leases not used for `idleSeconds` (the background half of the hot path).
    func refresh(now: Double) async {
        let (refill, idle) = accounts.withLock { all -> ([(AccountID, Int, Double)], [(AccountID, Int, Double)]) in
            var refill: [(AccountID, Int, Double)] = [], idle: [(AccountID, Int, Double)] = []
            for (id, var a) in all {
                if a.wantsRefill(now: now, idleSeconds: idleSeconds) {
                    a.taking = true
                    refill.append((id, a.perMinute, a.leaseSize - a.units.rounded(.down)))
                } else if a.isIdle(now: now, idleSeconds: idleSeconds) {
                    a.taking = true
                    idle.append((id, a.perMinute, a.drain()))
                } else {
                    continue
                }
                all[id] = a
            }
            return (refill, idle)
        }
        for (id, perMinute, want) in refill {
            let grant = try? await take(id, perMinute: perMinute, want: want)
            accounts.withLock { all in
                guard var a = all[id] else { return }
                a.taking = false
                if let grant { a.apply(granted: grant.granted, retryAfter: grant.retryAfter, now: now) }
                all[id] = a
            }
        }
        for (id, perMinute, units) in idle {
            let ok = (try? await take(id, perMinute: perMinute, want: 0, returned: units)) != nil
            accounts.withLock { all in
                guard var a = all[id] else { return }
                a.taking = false
                // Not returned: keep them (a negative balance must still be paid back).
                if !ok { a.restore(units) }
                all[id] = a
            }
        }
    }

    /// Gives every lease back (a clean shutdown), so the other instances can spend it.
    func returnAll() async {
        let all = accounts.withLock { all -> [(AccountID, Int, Double)] in
            all.keys.map { id in (id, all[id]!.perMinute, all[id]!.drain()) }
        }
        for (id, perMinute, units) in all where units != 0 {
            _ = try? await take(id, perMinute: perMinute, want: 0, returned: units)
        }
    }
}
