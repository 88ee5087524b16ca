// The ledger as a key mirror for a shared store (`--ledger-url`): the store is where keys are
// created and revoked; every instance copies its `api_keys` rows here, ids kept, so that
// authentication stays a local lookup (and keeps working while the store is away) and local
// request rows name the same key ids as the store's.
import Foundation
import GRDB

/// One `api_keys` row as stored (lists and scopes as their JSON text), copied between the
/// shared store and a ledger unchanged.
public struct MirroredKey: Sendable, Equatable {
    var id: Int64
    var name: String
    var prefix: String
    var secretHash: Data
    var allowedModels: String?
    var allowedTiers: String?
    var requestsPerMinute: Int?
    var tokensPerMinute: Int?
    var tokenBudget: Int?
    var tokensUsed: Int
    var createdAt: Double
    var revokedAt: Double?
    var scopes: String?

    public var isRevoked: Bool { revokedAt != nil }
}

extension Ledger {
    /// Replaces every local key by `keys` (the shared store's, ids kept) in one transaction,
    /// then reloads the in-memory key table: a key revoked in the store stops working here
    /// from this call on. Keys only this ledger had are dropped (the store is the authority).
    public func replaceKeys(with keys: [MirroredKey]) async throws(LedgerError) {
        do {
            try await database.write { db in
                try db.execute(sql: "DELETE FROM api_keys")
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO api_keys (id, name, prefix, secret_hash, allowed_models, allowed_tiers,
                        requests_per_minute, tokens_per_minute, token_budget, tokens_used, created_at,
                        revoked_at, scopes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for k in keys {
                    try insert.execute(arguments: [
                        k.id, k.name, k.prefix, k.secretHash, k.allowedModels, k.allowedTiers,
                        k.requestsPerMinute, k.tokensPerMinute, k.tokenBudget, k.tokensUsed, k.createdAt,
                        k.revokedAt, k.scopes,
                    ])
                }
            }
        } catch {
            throw .database("mirroring keys", error)
        }
        try await reloadKeys()
    }
}
