// Errors of the ledger: a struct wrapping a private code, with a message that says what
// and where (path, key, reason). Two errors are equal when their codes are equal, so
// `#expect(throws: LedgerError.keyNotFound)` and `catch let e where e == .keyNotFound` work.

/// An error from the ledger. `code` is a short, bounded label fit for a metric;
/// `message` carries the details.
public struct LedgerError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case cannotOpen = "cannot_open"
        case migrationFailed = "migration_failed"
        case keyNotFound = "key_not_found"
        case ambiguousKey = "ambiguous_key"
        case invalidArgument = "invalid_argument"
        case database = "database"
        case unreachable = "unreachable"
    }

    private let code: Code
    /// What went wrong, with the path, key or SQLite reason involved.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A short, bounded label for metrics and logs ("key_not_found").
    public var label: String { code.rawValue }

    public var description: String { "ledger \(code.rawValue): \(message)" }

    public static func == (lhs: LedgerError, rhs: LedgerError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    // Values to match against (the message is ignored by ==).
    public static let cannotOpen = LedgerError(.cannotOpen, "database cannot be opened")
    public static let migrationFailed = LedgerError(.migrationFailed, "migration failed")
    public static let keyNotFound = LedgerError(.keyNotFound, "key not found")
    public static let ambiguousKey = LedgerError(.ambiguousKey, "key prefix matches several keys")
    public static let invalidArgument = LedgerError(.invalidArgument, "invalid argument")
    public static let database = LedgerError(.database, "database error")
    /// The shared PostgreSQL store did not answer (down, refused, timed out).
    public static let unreachable = LedgerError(.unreachable, "shared store unreachable")

    // Constructors with details.
    static func cannotOpen(path: String, reason: String) -> LedgerError {
        LedgerError(.cannotOpen, "cannot open ledger database at \(path): \(reason)")
    }
    static func migrationFailed(path: String, reason: String) -> LedgerError {
        LedgerError(.migrationFailed, "migrating ledger database at \(path) failed: \(reason)")
    }
    static func keyNotFound(_ idOrPrefix: String) -> LedgerError {
        LedgerError(.keyNotFound, "no API key with id or prefix '\(idOrPrefix)'")
    }
    static func ambiguousKey(_ prefix: String, matches: Int) -> LedgerError {
        LedgerError(.ambiguousKey, "prefix '\(prefix)' matches \(matches) keys; use the key id")
    }
    static func invalidArgument(_ message: String) -> LedgerError {
        LedgerError(.invalidArgument, message)
    }
    static func unreachable(_ operation: String, _ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        return LedgerError(.unreachable, "\(operation): shared store: \(String(reflecting: error).prefix(300))")
    }
    static func database(_ operation: String, _ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        return LedgerError(.database, "\(operation): \(error)")
    }
}
