// The bounded, non-blocking writer of request rows (group commit).
//
// `enqueue` appends to an in-memory queue under a lock and returns: it never touches
// SQLite, so a request never waits on a disk, a checkpoint or another process's lock.
// When a row arrives and no flush is running, one is dispatched on GRDB's writer queue;
// it takes up to `maxBatch` rows and commits them in one transaction, then dispatches
// itself again while rows remain. So at low load each row is committed right away (one
// small transaction), and under load batches grow by themselves: rows that arrive while
// a transaction commits go into the next one. No timer, no idle wake-ups.
//
// Full queue: the row is dropped and counted (`UsageWriterStats.dropped`): we chose
// dropping over back-pressure because the ledger must never stall serving. With the
// default capacity (10,000) the queue fills only if SQLite is stuck (a lock held for
// seconds, a full disk), and the counter says so in metrics.
//
// SQLite busy (another process holds the write lock past the busy timeout): the batch
// goes back to the head of the queue and is retried after a pause, in order. A row that
// SQLite rejects (constraint, too big) is skipped and counted in `failed`; any other
// error fails the batch, which is counted in `failed` and not retried.
import Foundation
import GRDB

/// Counters of the request-row writer, for metrics and shutdown logs.
public struct UsageWriterStats: Sendable, Equatable {
    /// Rows waiting in memory (not yet committed).
    public var pending: Int = 0
    /// Rows committed.
    public var written: Int = 0
    /// Rows refused because the queue was full.
    public var dropped: Int = 0
    /// Rows SQLite rejected or lost in a failed batch.
    public var failed: Int = 0
    /// Batches put back after SQLite reported the database busy.
    public var busyRetries: Int = 0
    /// The last write error, if any.
    public var lastError: String?
}

final class UsageWriter: Sendable {
    enum Operation: Sendable {
        /// Insert an `in_progress` row unless the request already has one.
        case begin(UsageRecord)
        /// Insert or replace the request's row and charge its key.
        case finish(UsageRecord)

        var record: UsageRecord {
            switch self {
            case .begin(let record), .finish(let record): record
            }
        }
    }

    private struct State {
        var queue: [Operation] = []
        var flushing = false
        var stats = UsageWriterStats()
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let database: any DatabaseWriter
    private let capacity: Int
    private let maxBatch: Int
    private let state = Locked(State())
    /// Pause before retrying a batch after SQLite reported busy.
    private let busyPause: DispatchTimeInterval = .milliseconds(20)

    /// Delay of the first commit after an idle spell (group commit; see Ledger.Options).
    private let window: Duration

    init(database: any DatabaseWriter, capacity: Int, maxBatch: Int, window: Duration = .zero) {
        self.database = database
        self.capacity = capacity
        self.maxBatch = maxBatch
        self.window = window
    }

    /// Queues an operation; returns false if the queue was full and the row was dropped.
    /// Never blocks on SQLite.
    @discardableResult
    func enqueue(_ operation: Operation) -> Bool {
        let (accepted, start) = state.withLock { state -> (Bool, Bool) in
            guard state.queue.count < capacity else {
                state.stats.dropped += 1
                return (false, false)
            }
            state.queue.append(operation)
            if state.flushing { return (true, false) }
            state.flushing = true
            return (true, true)
        }
        if start {
            if window > .zero {
                let (sec, atto) = window.components
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(sec) * 1_000_000_000 + Int(atto / 1_000_000_000))) {
                    self.scheduleDrain()
                }
            } else {
                scheduleDrain()
            }
        }
        return accepted
    }

    var stats: UsageWriterStats {
        state.withLock { state in
            var stats = state.stats
            stats.pending = state.queue.count
            return stats
        }
    }

    /// Returns once the queue is found empty: every row queued before the call is then
    /// committed (or counted as failed). Under a steady stream of new rows it waits for
    /// a lull, and for as long as SQLite stays busy: at shutdown, stop admitting first
    /// and wrap it in a deadline.
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.queue.isEmpty && !state.flushing { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// Tokens of queued (uncommitted) final rows charged to `keyID`. Called on the writer
    /// queue, where it is exact with respect to committed rows.
    func pendingTokens(keyID: Int64) -> Int {
        state.withLock { state in
            state.queue.reduce(0) { sum, operation in
                guard case .finish(let record) = operation, record.keyID == keyID,
                      record.status != .inProgress else { return sum }
                return sum + record.billedTokens
            }
        }
    }

    private func scheduleDrain() {
        database.asyncWriteWithoutTransaction { db in self.drainOneBatch(db) }
    }

    /// Runs on GRDB's writer queue: commits one batch, then yields the queue to other
    /// writes (key management) by dispatching the next batch instead of looping.
    private func drainOneBatch(_ db: Database) {
        let (batch, waiters) = state.withLock { state -> ([Operation], [CheckedContinuation<Void, Never>]) in
            if state.queue.isEmpty {
                // Nothing left: stop draining (the next enqueue schedules again) and wake
                // the flush callers. Same lock as enqueue, so no row can slip in between.
                state.flushing = false
                defer { state.waiters = [] }
                return ([], state.waiters)
            }
            let count = min(state.queue.count, maxBatch)
            if count == state.queue.count {
                defer { state.queue = [] }
                return (state.queue, [])
            }
            let batch = Array(state.queue[..<count])
            state.queue.removeFirst(count)
            return (batch, [])
        }
        if batch.isEmpty {
            for waiter in waiters { waiter.resume() }
            return
        }

        // A request that began and finished within the batch needs only its final row.
        let finished = Set(batch.compactMap { if case .finish(let r) = $0 { r.requestID } else { nil } })
        let rows = batch.filter { if case .begin(let r) = $0 { !finished.contains(r.requestID) } else { true } }
        var rejected = 0
        var lastRowError: String?
        do {
            try db.inTransaction(.immediate) {
                for operation in rows {
                    do {
                        try db.inSavepoint {
                            try Self.apply(operation, db)
                            return .commit
                        }
                    } catch let error as DatabaseError where Self.isRowError(error) {
                        rejected += 1
                        lastRowError = "request \(operation.record.requestID): \(Ledger.reason(error))"
                    }
                }
                return .commit
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            state.withLock { state in
                state.queue.insert(contentsOf: batch, at: 0)
                state.stats.busyRetries += 1
                state.stats.lastError = Ledger.reason(error)
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + busyPause) { self.scheduleDrain() }
            return
        } catch {
            state.withLock { state in
                state.stats.failed += batch.count
                state.stats.lastError = Ledger.reason(error)
            }
            scheduleDrain()
            return
        }
        state.withLock { state in
            state.stats.written += batch.count - rejected
            state.stats.failed += rejected
            if let lastRowError { state.stats.lastError = lastRowError }
        }
        scheduleDrain()
    }

    private static func isRowError(_ error: DatabaseError) -> Bool {
        switch error.resultCode {
        case .SQLITE_CONSTRAINT, .SQLITE_TOOBIG, .SQLITE_MISMATCH, .SQLITE_RANGE: true
        default: false
        }
    }

    private static func apply(_ operation: Operation, _ db: Database) throws {
        switch operation {
        case .begin(let record):
            var record = record
            record.status = .inProgress
            let statement = try db.cachedStatement(sql: insertSQL + " ON CONFLICT(request_id) DO NOTHING")
            try statement.execute(arguments: arguments(record))
        case .finish(let record):
            // Charge the key exactly once per request, even if the row is recorded twice:
            // take back what the previous final row charged, then charge this one.
            let previous = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT key_id, prompt_tokens + completion_tokens, status FROM requests WHERE request_id = ?"),
                arguments: [record.requestID])
            if let previous {
                let keyID: Int64? = previous[0]
                let tokens: Int = previous[1]
                let status: String = previous[2]
                if let keyID, status != RequestStatus.inProgress.rawValue, tokens != 0 {
                    try charge(keyID: keyID, tokens: -tokens, db)
                }
            }
            let statement = try db.cachedStatement(sql: insertSQL + """
                 ON CONFLICT(request_id) DO UPDATE SET
                    started_at = excluded.started_at, finished_at = excluded.finished_at,
                    key_id = excluded.key_id, model = excluded.model, tier = excluded.tier,
                    backend = excluded.backend, route_reason = excluded.route_reason,
                    policy = excluded.policy, reason_code = excluded.reason_code,
                    escalation = excluded.escalation, personal_data = excluded.personal_data,
                    user = excluded.user, tokens_estimated = excluded.tokens_estimated,
                    prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                    cached_tokens = excluded.cached_tokens, ttft_ms = excluded.ttft_ms,
                    total_ms = excluded.total_ms, status = excluded.status,
                    http_status = excluded.http_status, error = excluded.error,
                    unshipped = requests.unshipped + 1
                """)
            try statement.execute(arguments: arguments(record))
            if let keyID = record.keyID, record.status != .inProgress, record.billedTokens != 0 {
                try charge(keyID: keyID, tokens: record.billedTokens, db)
            }
        }
    }

    private static func charge(keyID: Int64, tokens: Int, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE api_keys SET tokens_used = tokens_used + ? WHERE id = ?")
            .execute(arguments: [tokens, keyID])
    }

    private static let insertSQL = """
        INSERT INTO requests (request_id, started_at, finished_at, key_id, model, tier, backend,
            route_reason, policy, reason_code, escalation, personal_data, user,
            prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, ttft_ms, total_ms,
            status, http_status, error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private static func arguments(_ record: UsageRecord) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            record.requestID,
            record.startedAt.timeIntervalSince1970,
            record.finishedAt?.timeIntervalSince1970,
            record.keyID,
            record.model,
            record.tier,
            record.backend,
            record.routeReason.map { String($0.prefix(UsageRecord.maxErrorLength)) },
            record.policy,
            record.reasonCode,
            record.escalation,
            record.personalData,
            record.user.map { String($0.prefix(UsageRecord.maxUserLength)) },
            record.promptTokens,
            record.completionTokens,
            record.cachedTokens,
            record.tokensEstimated,
            record.timeToFirstTokenMs,
            record.totalMs,
            record.status.rawValue,
            record.httpStatus,
            record.error.map { String($0.prefix(UsageRecord.maxErrorLength)) },
        ]
        return StatementArguments(values)
    }
}
