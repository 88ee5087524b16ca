/// How long the HTTP server waits on a client and how many clients it holds at once
/// (issue 10: a slow or hostile client must not hold a connection, or the server, forever).
///
/// Enforced per connection by ``ConnectionGuard``; build the server with
/// `HTTPServerBuilder.continuum(limits:)`. In `continuum serve`: the `server:` section of the
/// config file or `--header-timeout`, `--body-timeout`, `--idle-timeout`, `--max-connections`.
public struct ServerLimits: Sendable, Equatable {
    /// A request's whole head (request line and headers) must arrive within this of the
    /// connection opening, or of its first byte on a kept-alive connection; else 408 and close.
    public var headerTimeout: Duration
    /// Longest silence while a request body is arriving (only while the server is asking for
    /// more); else 408 and close.
    public var bodyTimeout: Duration
    /// A kept-alive connection with no request under way is closed after this.
    public var idleTimeout: Duration
    /// Open connections at most; a connection beyond it is answered 503 with `Retry-After: 1`
    /// and closed.
    public var maxConnections: Int

    public init(headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
                idleTimeout: Duration = .seconds(60), maxConnections: Int = 4096) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
