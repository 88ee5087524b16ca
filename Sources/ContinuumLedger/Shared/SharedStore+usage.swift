// Request rows in the shared store: shipped from each instance's spool (LedgerShipper), read
// back summed over every instance by `continuum usage --ledger-url`.
public import Foundation
import PostgresNIO

extension SharedStore {
    /// Most rows one `upsertRequests` call takes (23 binds a row, well under PostgreSQL's 65,535).
    public static let maxShipBatch = 500

    /// Inserts the rows, or replaces the stored ones with the same request id, in one
    /// statement, tagged with this instance's id. Shipping a row twice leaves one row.
    public func upsertRequests(_ rows: [UsageRecord]) async throws(LedgerError) {
        guard !rows.isEmpty else { return }
        precondition(rows.count <= Self.maxShipBatch, "at most maxShipBatch rows per upsert")
        var binds = PostgresBindings(capacity: rows.count * Self.requestColumns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for r in rows {
            let base = binds.count
            tuples.append("(" + (1...Self.requestColumns.count).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            binds.append(r.requestID)
            binds.append(r.startedAt.timeIntervalSince1970)
            binds.append(r.finishedAt?.timeIntervalSince1970)
            binds.append(r.keyID)
            binds.append(r.model)
            binds.append(r.tier)
            binds.append(r.backend)
            binds.append(r.routeReason.map { String($0.prefix(UsageRecord.maxErrorLength)) })
            binds.append(r.policy)
            binds.append(r.reasonCode)
            binds.append(r.escalation)
            binds.append(r.personalData)
            binds.append(r.user.map { String($0.prefix(UsageRecord.maxUserLength)) })
            binds.append(r.promptTokens)
            binds.append(r.completionTokens)
            binds.append(r.cachedTokens)
            binds.append(r.tokensEstimated ? 1 : 0)
            binds.append(r.timeToFirstTokenMs)
            binds.append(r.totalMs)
            binds.append(r.status.rawValue)
            binds.append(r.httpStatus)
            binds.append(r.error.map { String($0.prefix(UsageRecord.maxErrorLength)) })
            binds.append(instanceID)
        }
        let columns = Self.requestColumns.map { $0 == "user" ? "\"user\"" : $0 }
        let updates = columns.dropFirst().map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let sql = """
            INSERT INTO requests (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))
            ON CONFLICT (request_id) DO UPDATE SET \(updates)
            """
        try await query(PostgresQuery(unsafeSQL: sql, binds: binds), "shipping \(rows.count) request rows")
    }

    /// In the order `upsertRequests` binds them.
    static let requestColumns = [
        "request_id", "started_at", "finished_at", "key_id", "model", "tier", "backend", "route_reason",
        "policy", "reason_code", "escalation", "personal_data", "user", "prompt_tokens", "completion_tokens",
        "cached_tokens", "tokens_estimated", "ttft_ms", "total_ms", "status", "http_status", "error", "instance_id",
    ]

    /// Usage of the rows of every instance started in [since, until), one summary per group,
    /// busiest first: the same figures as `Ledger.usageSummary` (the same SQL, in PostgreSQL's
    /// dialect). Rows still in an instance's spool are not counted until shipped.
    public func usageSummary(
        since: Date, until: Date = .distantFuture, groupBy grouping: UsageGrouping, limit: Int = 100
    ) async throws(LedgerError) -> [UsageSummary] {
        let column = grouping.column
        let label = grouping == .key
            ? "(SELECT prefix || ' (' || name || ')' FROM api_keys WHERE id = s.g)"
            : "s.g::text"
        // Ties in SQLite's order: NULL first, then bytewise.
        let order = grouping == .key ? "s.g NULLS FIRST" : "s.g COLLATE \"C\" NULLS FIRST"
        let from = since.timeIntervalSince1970
        let to = min(until.timeIntervalSince1970, 1e15), most = max(0, min(limit, 10_000))
        let rows = try await query("""
            WITH base AS (
                SELECT \(unescaped: column) AS g, * FROM requests WHERE started_at >= \(from) AND started_at < \(to)
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
                    COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                    COUNT(*) FILTER (WHERE status NOT IN ('ok', 'in_progress')) AS errors,
                    COALESCE(SUM(prompt_tokens), 0)::bigint AS prompt_tokens,
                    COALESCE(SUM(completion_tokens), 0)::bigint AS completion_tokens,
                    COALESCE(SUM(cached_tokens), 0)::bigint AS cached_tokens,
                    AVG(ttft_ms) AS avg_ttft, AVG(total_ms) AS avg_total
                FROM base GROUP BY g
            )
            SELECT \(unescaped: grouping == .key ? "s.g" : "NULL::bigint") AS key_id, \(unescaped: label) AS label,
                s.requests, s.in_progress, s.errors, s.prompt_tokens, s.completion_tokens, s.cached_tokens,
                s.avg_ttft, s.avg_total, p.p50, p.p95
            FROM sums s LEFT JOIN percentiles p ON p.g IS NOT DISTINCT FROM s.g
            ORDER BY s.requests DESC, \(unescaped: order)
            LIMIT \(most)
            """, "summarising usage")
        return try rows.map { row throws(LedgerError) in
            try decode(row, "summarising usage") { row in
                let c = row.makeRandomAccess()
                let keyID = try c["key_id"].decode(Int64?.self)
                let label = try c["label"].decode(String?.self)
                return UsageSummary(
                    group: label ?? keyID.map { "key \($0)" } ?? "-", keyID: keyID,
                    requests: try c["requests"].decode(Int.self), inProgress: try c["in_progress"].decode(Int.self),
                    errors: try c["errors"].decode(Int.self), promptTokens: try c["prompt_tokens"].decode(Int.self),
                    completionTokens: try c["completion_tokens"].decode(Int.self),
                    cachedTokens: try c["cached_tokens"].decode(Int.self),
                    averageTimeToFirstTokenMs: try c["avg_ttft"].decode(Double?.self),
                    p50TimeToFirstTokenMs: try c["p50"].decode(Double?.self),
                    p95TimeToFirstTokenMs: try c["p95"].decode(Double?.self),
                    averageTotalMs: try c["avg_total"].decode(Double?.self))
            }
        }
    }
}
