import ContinuumLedger
import ContinuumOpenAI

/// The limits this instance shares with the others through the shared store: exact token
/// budgets (reservations) and rate limits (leases), what to do while the store is away,
/// and the lease TTL after which a silent instance's reservations and leases are reclaimed.
final class SharedLimits: Sendable {
    let store: SharedStore
    let policy: StoreUnreachablePolicy
    let budgets: SharedBudgets
    let rates: SharedRates
    /// Seconds without a heartbeat after which an instance counts as dead.
    let ttl: Double

    init(store: SharedStore, policy: StoreUnreachablePolicy, ttl: Double = 5) {
        self.store = store
        self.policy = policy
        self.ttl = ttl
        budgets = SharedBudgets(store: store)
        rates = SharedRates(store: store)
    }

    /// The answer of a limited request that needs the store while it is away (fail closed).
    func unreachable(_ error: any Error) -> OpenAIError {
        let reason = (error as? LedgerError)?.message ?? "\(error)"
        return OpenAIError(status: 503, message: "shared store unreachable: \(reason). This key's limits are shared with other gateway instances through it; retry shortly.",
                           type: "server_error", code: "shared_store_unreachable", retryAfterSeconds: 2)
    }
}
