/// How `continuum serve` listens and how it treats requests and backends.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger ones get 413.
    public var bodyLimit: Int
    /// Seconds in-flight requests get to finish on SIGTERM.
    public var shutdownGrace: Double
    /// Extra attempts of a request, before its first byte only, preferring another replica.
    public var retries: Int
    /// First pause between attempts; doubled after each (with jitter).
    public var retryBackoff: Duration
    /// How often remote backends are probed (their circuit breakers opened or closed).
    public var healthCheckInterval: Duration
    /// Where requests with personal data may be answered.
    public var privacy = PrivacyPolicy()
    /// Timeouts and the connection cap of the HTTP server.
    public var serverLimits = ServerLimits()
    /// Whether and how long Responses API answers are kept (needs the ledger).
    public var responses = ResponseStorage()
    /// Browser origins allowed to call the API (off by default).
    public var cors = CORSPolicy()
    /// What a limited key gets while the shared store (PostgreSQL) cannot be reached and its
    /// leases are spent: 503 with Retry-After (the default) or no shared limit at all.
    public var storeUnreachable = StoreUnreachablePolicy.failClosed

    public init(host: String = "127.0.0.1", port: Int = 8080, bodyLimit: Int = 4 << 20, shutdownGrace: Double = 30,
                retries: Int = 2, retryBackoff: Duration = .milliseconds(50), healthCheckInterval: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.shutdownGrace = shutdownGrace
        self.retries = retries
        self.retryBackoff = retryBackoff
        self.healthCheckInterval = healthCheckInterval
    }
}
