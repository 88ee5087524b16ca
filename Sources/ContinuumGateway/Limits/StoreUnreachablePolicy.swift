/// What limits do while the shared store (PostgreSQL) cannot be reached.
public enum StoreUnreachablePolicy: String, Sendable, CaseIterable {
    /// Spend what this instance's leases still hold, then answer 503 with Retry-After: a
    /// budget or rate is never exceeded because the database is down. The default.
    case failClosed = "closed"
    /// Admit requests of limited keys without the shared limits until the store is back
    /// (each instance still applies its own in-memory rate limits).
    case failOpen = "open"
}
