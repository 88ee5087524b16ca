// The ledger as a spool for a shared store (`--ledger-url`): request rows are written here
// first, as always (a request never waits on PostgreSQL), and a shipper copies the finished
// ones to the store, then marks them shipped. `requests.unshipped` counts the writes not
// yet shipped; marking compares it with the count the shipper read, so a row rewritten
// while its copy was in flight stays pending and ships again (the store upserts by
// request id: never doubled, never stale).
import Foundation
import GRDB

/// A finished request row waiting for shipment, with the write count it was read at.
public struct SpooledRow: Sendable, Equatable {
    public var record: UsageRecord
    /// `requests.unshipped` when read: `markShipped` clears the row only if it still is.
    public var revision: Int
}

extension Ledger {
    /// Finished rows (not `in_progress`) not yet shipped, oldest first, at most `limit`.
    public func unshippedRows(limit: Int) async throws(LedgerError) -> [SpooledRow] {
        do {
            return try await database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT * FROM requests WHERE unshipped > 0 AND status != 'in_progress'
                    ORDER BY started_at LIMIT ?
                    """, arguments: [max(0, limit)]).map { row in
                    SpooledRow(record: Self.usageRecord(row), revision: row["unshipped"])
                }
            }
        } catch {
            throw .database("reading unshipped rows", error)
        }
    }

    /// Marks rows shipped unless they were written again since read; returns how many.
    @discardableResult
    public func markShipped(_ rows: [SpooledRow]) async throws(LedgerError) -> Int {
        guard !rows.isEmpty else { return 0 }
        do {
            return try await database.write { db in
                let statement = try db.cachedStatement(
                    sql: "UPDATE requests SET unshipped = 0 WHERE request_id = ? AND unshipped = ?")
                var changed = 0
                for row in rows {
                    try statement.execute(arguments: [row.record.requestID, row.revision])
                    changed += db.changesCount
                }
                return changed
            }
        } catch {
            throw .database("marking rows shipped", error)
        }
    }

    /// Finished rows waiting for shipment (for the pending-shipment gauge).
    public func unshippedCount() async throws(LedgerError) -> Int {
        do {
            return try await database.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM requests WHERE unshipped > 0 AND status != 'in_progress'
                    """) ?? 0
            }
        } catch {
            throw .database("counting unshipped rows", error)
        }
    }
}
