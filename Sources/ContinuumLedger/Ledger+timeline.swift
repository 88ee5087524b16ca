// Usage over time: requests and tokens per time bucket and group (key, model, tier...),
// for the dashboard's history charts. Reads the `requests` table as it is (no schema change):
// the time range is the indexed `started_at`.
public import Foundation
import GRDB

/// Usage of one group in one time bucket.
public struct UsageBucket: Sendable, Equatable, Encodable {
    /// Start of the bucket, seconds since 1970.
    public var start: Double
    /// The group's label: the model, tier, ... or "prefix (name)" of a key; "-" for none.
    public var group: String
    public var requests: Int
    /// Rows that did not end `ok` (in-progress ones excepted).
    public var errors: Int
    public var promptTokens: Int
    public var completionTokens: Int

    public init(start: Double, group: String, requests: Int, errors: Int, promptTokens: Int, completionTokens: Int) {
        self.start = start
        self.group = group
        self.requests = requests
        self.errors = errors
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

extension Ledger {
    /// Most buckets `usageTimeline` returns.
    public static let maxTimelineRows = 5_000

    /// Committed rows started in [since, until), counted per `bucketSeconds`-wide bucket
    /// (aligned to multiples of the width since 1970) and per group, oldest bucket first.
    public func usageTimeline(
        since: Date, until: Date = .distantFuture, bucketSeconds: Double, groupBy grouping: UsageGrouping
    ) async throws(LedgerError) -> [UsageBucket] {
        let width = max(1, bucketSeconds)
        let column = switch grouping {
        case .key: "(SELECT prefix || ' (' || name || ')' FROM api_keys WHERE id = r.key_id)"
        case .model: "r.model"
        case .tier: "r.tier"
        case .backend: "r.backend"
        case .policy: "r.policy"
        case .reason: "r.reason_code"
        case .escalation: "r.escalation"
        case .personalData: "r.personal_data"
        case .user: "r.user"
        }
        let sql = """
            SELECT CAST(r.started_at / ? AS INTEGER) * ? AS bucket, \(column) AS g, COUNT(*) AS requests,
                TOTAL(r.status NOT IN ('ok', 'in_progress')) AS errors,
                TOTAL(r.prompt_tokens) AS prompt_tokens, TOTAL(r.completion_tokens) AS completion_tokens
            FROM requests r WHERE r.started_at >= ? AND r.started_at < ?
            GROUP BY bucket, g ORDER BY bucket, requests DESC LIMIT ?
            """
        let arguments: StatementArguments = [
            width, width, since.timeIntervalSince1970, until.timeIntervalSince1970, Self.maxTimelineRows,
        ]
        do {
            return try await database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let count: (String) -> Int = { Int((row[$0] as Double?) ?? 0) }
                    return UsageBucket(start: row["bucket"], group: row["g"] ?? "-", requests: row["requests"],
                                       errors: count("errors"), promptTokens: count("prompt_tokens"),
                                       completionTokens: count("completion_tokens"))
                }
            }
        } catch {
            throw .database("reading usage over time", error)
        }
    }
}
