import Foundation

/// Where the shared PostgreSQL store is: `postgres://user[:password]@host[:port]/database[?sslmode=disable]`.
/// Parsed once at start so a typo is a clear error, not a connection timeout.
public struct SharedStoreURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Parses a `postgres://` or `postgresql://` URL. Only `sslmode=disable` is supported
    /// (loopback and cluster-internal links); any other query parameter is refused by name.
    public init(_ text: String) throws(LedgerError) {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw .invalidArgument("ledger URL must look like postgres://user@host:5432/database, got '\(text)'")
        }
        guard let host = c.host, !host.isEmpty else { throw .invalidArgument("ledger URL '\(text)' has no host") }
        guard let user = c.user, !user.isEmpty else { throw .invalidArgument("ledger URL '\(text)' has no user") }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .invalidArgument("ledger URL '\(text)' has no database name") }
        for item in c.queryItems ?? [] {
            guard item.name == "sslmode", item.value == "disable" else {
                throw .invalidArgument("ledger URL parameter '\(item.name)=\(item.value ?? "")' is not supported (only sslmode=disable)")
            }
        }
        self.host = host
        self.port = c.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = c.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
    }

    /// The URL without its password, for logs and errors.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
