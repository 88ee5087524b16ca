public import Foundation
import GRDB

// Stored Responses API answers. Written directly (not through the usage writer): the next
// turn of a conversation may come right after the answer, and must find it. Expired rows
// are purged lazily, at each store (one indexed range delete), so no timer is needed.
extension Ledger {
    /// Keeps `response` until its `expiresAt`, and purges the rows expired by `now`.
    public func storeResponse(_ response: StoredResponse, now: Date = Date()) async throws(LedgerError) {
        do {
            try await database.write { db in
                try db.execute(sql: "DELETE FROM responses WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO responses (id, key_id, created_at, expires_at, model, items, response)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [response.id, response.keyID, response.createdAt.timeIntervalSince1970,
                                     response.expiresAt.timeIntervalSince1970, response.model, response.items, response.response])
            }
        } catch {
            throw .database("storing response \(response.id)", error)
        }
    }

    /// The stored response `id` of key `keyID` (nil: keys are off), or nil when it is
    /// unknown, expired, or another key's: the three look the same to a client.
    public func storedResponse(id: String, keyID: Int64?, now: Date = Date()) async throws(LedgerError) -> StoredResponse? {
        do {
            return try await database.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT id, key_id, created_at, expires_at, model, items, response FROM responses
                    WHERE id = ? AND key_id IS ? AND expires_at > ?
                    """, arguments: [id, keyID, now.timeIntervalSince1970]).map { row in
                    StoredResponse(id: row["id"], keyID: row["key_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                                   expiresAt: Date(timeIntervalSince1970: row["expires_at"]), model: row["model"],
                                   items: row["items"], response: row["response"])
                }
            }
        } catch {
            throw .database("reading response \(id)", error)
        }
    }

    /// Deletes the stored response `id` of key `keyID`; false when there was none to delete.
    public func deleteStoredResponse(id: String, keyID: Int64?, now: Date = Date()) async throws(LedgerError) -> Bool {
        do {
            return try await database.write { db in
                try db.execute(sql: "DELETE FROM responses WHERE id = ? AND key_id IS ? AND expires_at > ?",
                               arguments: [id, keyID, now.timeIntervalSince1970])
                return db.changesCount > 0
            }
        } catch {
            throw .database("deleting response \(id)", error)
        }
    }

    /// Deletes the responses expired by `now`; returns how many.
    @discardableResult
    public func purgeExpiredResponses(now: Date = Date()) async throws(LedgerError) -> Int {
        do {
            return try await database.write { db in
                try db.execute(sql: "DELETE FROM responses WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
                return db.changesCount
            }
        } catch {
            throw .database("purging expired responses", error)
        }
    }
}
