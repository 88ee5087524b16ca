// The ledger: one SQLite database (GRDB) holding API keys (hashed) and one row per request
// (usage and provenance). Keys are read and written directly; request rows go through a
// bounded, non-blocking writer (`UsageWriter`) so that no request ever waits on SQLite.
//
// Durability (what survives `kill -9`):
// - The database runs in WAL mode. A commit appends the transaction's pages to the -wal
//   file with write(2); once write(2) returned the bytes are in the kernel's page cache,
//   which outlives the process. So every transaction committed before a `kill -9` is
//   there when the file is opened again (SQLite replays the -wal on open), with either
//   synchronous setting.
// - `synchronous=NORMAL` (the default here, `Durability.processCrash`) skips the fsync at
//   each commit and syncs only at checkpoints. It loses nothing on a process crash; an OS
//   crash or power cut may roll back the last transactions (never corrupts the file).
// - `synchronous=FULL` (`Durability.powerLoss`) fsyncs the -wal at every commit: also
//   survives power loss, at the cost of one fsync per batch (not per request: the writer
//   commits rows in batches).
// - What a kill loses is what was still in the writer's memory queue: rows recorded but
//   not yet committed. The writer starts a commit as soon as a row arrives and the
//   previous commit finished (group commit), so that window is one batch transaction:
//   measured here, a row is readable by another connection about 0.5 ms (p50) after
//   `record` returned, tens of ms at worst on a loaded machine. `flush()` waits for it.
//   `begin` rows make an interrupted request visible: it stays `in_progress` after a
//   kill, until `markInterrupted(startedBefore:)` closes it at the next start.
public import Foundation
import GRDB

/// The usage, provenance and API-key store. Thread-safe; share one per process.
public final class Ledger: Sendable {
    /// How much a commit is worth: see the header comment of Ledger.swift.
    public enum Durability: Sendable {
        /// `synchronous=NORMAL`: survives process crashes and `kill -9`; an OS crash may
        /// lose the last commits. No fsync per commit.
        case processCrash
        /// `synchronous=FULL`: every commit is fsynced; also survives power loss.
        case powerLoss
    }

    public struct Options: Sendable {
        /// Most request rows waiting for the writer (plus one batch being committed);
        /// beyond it `record`/`begin` drop the row and count it in
        /// `UsageWriterStats.dropped`: a request never waits on the ledger.
        public var queueCapacity: Int
        /// Most rows committed in one transaction.
        public var maxBatch: Int
        /// How long a write waits for another connection's lock (e.g. `continuum keys` run
        /// while serving) before SQLite reports busy. The writer then retries the batch.
        public var busyTimeout: TimeInterval
        public var durability: Durability
        /// How stale the in-memory key table may get before `authenticate` reloads it:
        /// bounds how long a key revoked by another process keeps working.
        public var keyCacheTTL: Duration
        /// How long the writer waits after the first row of an idle spell before it commits,
        /// gathering the rows that arrive meanwhile into the same transaction (and a
        /// request's `begin` and final row into one insert). Bounds what a crash can lose
        /// to this window; 0 commits at once.
        public var groupCommitWindow: Duration

        public init(
            queueCapacity: Int = 10_000, maxBatch: Int = 1_000,
            busyTimeout: TimeInterval = 5, durability: Durability = .processCrash,
            keyCacheTTL: Duration = .seconds(5), groupCommitWindow: Duration = .milliseconds(2)
        ) {
            self.groupCommitWindow = groupCommitWindow
            self.queueCapacity = queueCapacity
            self.maxBatch = maxBatch
            self.busyTimeout = busyTimeout
            self.durability = durability
            self.keyCacheTTL = keyCacheTTL
        }
    }

    /// The database file, or nil for an in-memory ledger.
    public let path: String?
    let database: any DatabaseWriter
    let writer: UsageWriter
    let keyCache: Locked<KeyCache>
    let keyCacheTTL: Duration

    /// Opens the ledger at `path`, creating the file and migrating the schema as needed.
    /// The directory must exist.
    public convenience init(path: String, options: Options = Options()) throws(LedgerError) {
        guard options.queueCapacity > 0, options.maxBatch > 0 else {
            throw .invalidArgument("queueCapacity and maxBatch must be positive")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(options))
            let synchronous = options.durability == .powerLoss ? "FULL" : "NORMAL"
            try pool.barrierWriteWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            }
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        try self.init(database: pool, path: path, options: options)
    }

    /// A ledger in memory, for tests and `--no-ledger` runs. Nothing survives the process.
    public static func inMemory(options: Options = Options()) throws(LedgerError) -> Ledger {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration(options))
        } catch {
            throw .cannotOpen(path: ":memory:", reason: reason(error))
        }
        return try Ledger(database: queue, path: nil, options: options)
    }

    private init(database: any DatabaseWriter, path: String?, options: Options) throws(LedgerError) {
        do {
            try Self.migrator.migrate(database)
        } catch {
            throw .migrationFailed(path: path ?? ":memory:", reason: Self.reason(error))
        }
        self.database = database
        self.path = path
        self.writer = UsageWriter(
            database: database, capacity: options.queueCapacity, maxBatch: options.maxBatch,
            window: options.groupCommitWindow)
        self.keyCacheTTL = options.keyCacheTTL
        let now = ContinuousClock.now
        do {
            let keys = try database.read(Self.fetchActiveKeys)
            var cache = KeyCache(loadedAt: now)
            cache.replace(with: keys, at: now)
            self.keyCache = Locked(cache)
        } catch {
            throw .cannotOpen(path: path ?? ":memory:", reason: "loading keys: \(Self.reason(error))")
        }
    }

    private static func configuration(_ options: Options) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "ContinuumLedger"
        return configuration
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.resultCode) \(error.message ?? "")"
        }
        return "\(error)"
    }

    /// The `journal_mode` and `synchronous` pragmas of the writing connection, for checks
    /// and `continuum usage --verbose`: ("wal", 1) means WAL with NORMAL.
    public func pragmas() async throws(LedgerError) -> (journalMode: String, synchronous: Int) {
        do {
            return try await database.write { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
                let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                return (mode, sync)
            }
        } catch {
            throw .database("reading pragmas", error)
        }
    }
}
