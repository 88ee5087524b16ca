// The shared store: PostgreSQL (postgres-nio) holding what several gateway instances must
// agree on — API keys, usage rows, token-budget reservations and rate-limit leases. Each
// instance still keeps its SQLite ledger as a local spool and key mirror, so a request never
// waits on this database for its ledger row, and rows written while it is down are shipped
// when it is back.
import Foundation
import Logging
import PostgresNIO

/// A connection pool to the shared PostgreSQL database, plus this instance's identity.
/// Run `run()` (a ServiceLifecycle service) for as long as the store is used.
public final class SharedStore: Sendable {
    public let url: SharedStoreURL
    /// This process's id in `instances`: its leases and reservations are owned by it.
    public let instanceID: String
    let client: PostgresClient
    let statementCount = Locked(0)

    public init(url: SharedStoreURL, instanceID: String = SharedStore.newInstanceID(), maximumConnections: Int = 8) {
        self.url = url
        self.instanceID = instanceID
        var config = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password,
            database: url.database, tls: .disable)
        config.options.maximumConnections = maximumConnections
        config.options.connectTimeout = .seconds(2)
        var logger = Logger(label: "continuum.shared-store")
        logger.logLevel = .error
        client = PostgresClient(configuration: config, backgroundLogger: logger)
    }

    /// `hostname-pid-random`: unique per process, readable in `instances`.
    public static func newInstanceID() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs the pool until cancelled; queries fail once it has stopped.
    public func run() async { await client.run() }

    /// Statements sent so far (for the statements-per-1,000-requests benchmark and metrics).
    public var statements: Int { statementCount.withLock { $0 } }

    /// Runs one statement on a pooled connection, counted. Gives up after `timeout` seconds:
    /// while the database is away the pool keeps retrying its connection, and a caller must
    /// not wait for that (a request's limit check, a shipper's batch).
    @discardableResult
    func query(_ query: PostgresQuery, _ what: @autoclosure () -> String, timeout: Double = 2) async throws(LedgerError) -> [PostgresRow] {
        statementCount.withLock { $0 += 1 }
        let operation = what()
        return try await withStoreDeadline(timeout) { [client] () async throws(LedgerError) in
            do {
                return try await client.query(query, logger: Self.quiet).collect()
            } catch {
                throw .unreachable(operation, error)
            }
        }
    }

    static let quiet: Logger = {
        var l = Logger(label: "continuum.shared-store.query")
        l.logLevel = .error
        return l
    }()
}
