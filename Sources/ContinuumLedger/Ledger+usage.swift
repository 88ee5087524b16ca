// Request rows: `begin` / `record` queue them (never blocking, see UsageWriter.swift),
// `flush` waits for them, `usageSummary` and `requests` read them back.
public import Foundation
import GRDB

extension Ledger {
    /// Queues an `in_progress` row for a request that starts, so that a row exists even if
    /// the process dies before `record`. Does not block; returns false if the writer's
    /// queue was full and the row was dropped (counted in `writerStats.dropped`).
    @discardableResult
    public func begin(_ record: UsageRecord) -> Bool {
        writer.enqueue(.begin(record))
    }

    /// Queues the final row of a request (inserting it, or replacing its `begin` row) and
    /// charges its tokens to its key. Does not block; returns false if the queue was full.
    @discardableResult
    public func record(_ record: UsageRecord) -> Bool {
        writer.enqueue(.finish(record))
    }

    /// Waits until the writer's queue is empty, so every row queued before the call is
    /// committed (or counted as failed). See `UsageWriter.flush` for when it can wait.
    public func flush() async {
        await writer.flush()
    }

    /// Counters of the row writer: pending, written, dropped, failed.
    public var writerStats: UsageWriterStats { writer.stats }

    /// Flushes queued rows, checkpoints the -wal into the database file and closes it.
    /// The ledger must not be used after.
    public func close() async throws(LedgerError) {
        await writer.flush()
        do {
            if let pool = database as? DatabasePool {
                try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
                try pool.close()
            }
            if let queue = database as? DatabaseQueue { try queue.close() }
        } catch {
            throw .database("closing", error)
        }
    }

    /// Marks rows still `in_progress` that started before `startedBefore` (a process that
    /// died mid-request: call at startup with the start time) as `error`, "interrupted".
    /// Returns how many rows changed.
    @discardableResult
    public func markInterrupted(startedBefore: Date) async throws(LedgerError) -> Int {
        do {
            return try await database.write { db in
                try db.execute(sql: """
                    UPDATE requests SET status = 'error', error = 'interrupted: the process ended during the request',
                        unshipped = unshipped + 1
                    WHERE status = 'in_progress' AND started_at < ?
                    """, arguments: [startedBefore.timeIntervalSince1970])
                return db.changesCount
            }
        } catch {
            throw .database("marking interrupted requests", error)
        }
    }

    /// SQLite's `PRAGMA integrity_check`: empty when the database is sound, otherwise its
    /// complaints (at most 100).
    public func integrityProblems() async throws(LedgerError) -> [String] {
        do {
            let lines = try await database.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check(100)")
            }
            return lines == ["ok"] ? [] : lines
        } catch {
            throw .database("checking integrity", error)
        }
    }

    /// Most rows `requests` returns per call.
    public static let maxRequestsPerPage = 1_000

    /// The committed row of one request, or nil.
    public func request(id: String) async throws(LedgerError) -> UsageRecord? {
        do {
            return try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE request_id = ?", arguments: [id])
                    .map(Self.usageRecord)
            }
        } catch {
            throw .database("reading request \(id)", error)
        }
    }

    /// Committed rows, newest first, started before `before`; at most
    /// `maxRequestsPerPage`. Page by passing the last row's `startedAt` as `before`.
    public func requests(before: Date = .distantFuture, limit: Int = 100) async throws(LedgerError) -> [UsageRecord] {
        let limit = max(0, min(limit, Self.maxRequestsPerPage))
        do {
            return try await database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT * FROM requests WHERE started_at < ? ORDER BY started_at DESC LIMIT ?
                    """, arguments: [before.timeIntervalSince1970, limit]).map(Self.usageRecord)
            }
        } catch {
            throw .database("listing requests", error)
        }
    }

    /// Number of committed rows started at or after `since`.
    public func requestCount(since: Date = .distantPast) async throws(LedgerError) -> Int {
        do {
            return try await database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests WHERE started_at >= ?",
                                 arguments: [since.timeIntervalSince1970]) ?? 0
            }
        } catch {
            throw .database("counting requests", error)
        }
    }

    /// Usage of committed rows started in [since, until), one summary per group, busiest
    /// first, at most `limit` groups. Percentiles are computed inside SQLite (window
    /// functions), so memory does not grow with the number of rows.
    public func usageSummary(
        since: Date, until: Date = .distantFuture, groupBy grouping: UsageGrouping, limit: Int = 100
    ) async throws(LedgerError) -> [UsageSummary] {
        let column = grouping.column
        let labelSQL = grouping == .key
            ? "(SELECT prefix || ' (' || name || ')' FROM api_keys WHERE id = s.g)"
            : "s.g"
        let sql = """
            WITH base AS (
                SELECT \(column) AS g, * FROM requests WHERE started_at >= ? AND started_at < ?
            ), ranked AS (
                SELECT g, ttft_ms,
                    ROW_NUMBER() OVER (PARTITION BY g ORDER BY ttft_ms) AS rn,
                    COUNT(*) OVER (PARTITION BY g) AS n
                FROM base WHERE ttft_ms IS NOT NULL
            ), percentiles AS (
                SELECT g,
                    MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN ttft_ms END) AS p50,
                    MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN ttft_ms END) AS p95
                FROM ranked GROUP BY g
            ), sums AS (
                SELECT g, COUNT(*) AS requests,
                    TOTAL(status = 'in_progress') AS in_progress,
                    TOTAL(status NOT IN ('ok', 'in_progress')) AS errors,
                    TOTAL(prompt_tokens) AS prompt_tokens,
                    TOTAL(completion_tokens) AS completion_tokens,
                    TOTAL(cached_tokens) AS cached_tokens,
                    AVG(ttft_ms) AS avg_ttft, AVG(total_ms) AS avg_total
                FROM base GROUP BY g
            )
            SELECT s.g AS g, \(labelSQL) AS label, s.requests, s.in_progress, s.errors,
                s.prompt_tokens, s.completion_tokens, s.cached_tokens, s.avg_ttft, s.avg_total,
                p.p50, p.p95
            FROM sums s LEFT JOIN percentiles p ON p.g IS s.g
            ORDER BY s.requests DESC, s.g
            LIMIT ?
            """
        let arguments: StatementArguments = [
            since.timeIntervalSince1970, until.timeIntervalSince1970, max(0, min(limit, 10_000)),
        ]
        do {
            return try await database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let keyID: Int64? = grouping == .key ? row["g"] : nil
                    let label: String? = row["label"]
                    let group = label ?? keyID.map { "key \($0)" } ?? "-"
                    // TOTAL() is REAL: exact for integers below 2^53.
                    let count: (String) -> Int = { Int((row[$0] as Double?) ?? 0) }
                    return UsageSummary(
                        group: group, keyID: keyID, requests: row["requests"],
                        inProgress: count("in_progress"), errors: count("errors"),
                        promptTokens: count("prompt_tokens"), completionTokens: count("completion_tokens"),
                        cachedTokens: count("cached_tokens"),
                        averageTimeToFirstTokenMs: row["avg_ttft"], p50TimeToFirstTokenMs: row["p50"],
                        p95TimeToFirstTokenMs: row["p95"], averageTotalMs: row["avg_total"])
                }
            }
        } catch {
            throw .database("summarising usage", error)
        }
    }

    static func usageRecord(_ row: Row) -> UsageRecord {
        let finishedAt: Double? = row["finished_at"]
        let status: String = row["status"]
        return UsageRecord(
            requestID: row["request_id"],
            startedAt: Date(timeIntervalSince1970: row["started_at"]),
            finishedAt: finishedAt.map(Date.init(timeIntervalSince1970:)),
            keyID: row["key_id"], model: row["model"], tier: row["tier"], backend: row["backend"],
            routeReason: row["route_reason"], policy: row["policy"], reasonCode: row["reason_code"],
            escalation: row["escalation"], personalData: row["personal_data"], user: row["user"],
            promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
            cachedTokens: row["cached_tokens"], tokensEstimated: row["tokens_estimated"],
            timeToFirstTokenMs: row["ttft_ms"], totalMs: row["total_ms"],
            status: RequestStatus(rawValue: status) ?? .error, httpStatus: row["http_status"],
            error: row["error"])
    }
}
