// For tests and diagnostics: a second connection to a ledger file that takes and holds
// SQLite's write lock, as another process (a `continuum keys` run, an operator's sqlite3
// shell) might. Shows that the request path never waits on it.
import GRDB

package final class ExternalWriteLock: Sendable {
    private let queue: DatabaseQueue

    package init(path: String) throws {
        var configuration = Configuration()
        // The transaction deliberately stays open between `lock()` and `unlock()`.
        configuration.allowsUnsafeTransactions = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Takes the write lock (BEGIN IMMEDIATE) and holds it until `unlock()`.
    package func lock() throws {
        try queue.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
    }

    package func unlock() throws {
        try queue.inDatabase { try $0.execute(sql: "ROLLBACK") }
    }
}
