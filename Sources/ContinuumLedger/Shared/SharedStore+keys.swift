// API keys in the shared store: created, revoked and listed here (`continuum keys ...
// --ledger-url`), mirrored by every instance (KeyMirror). Same secret format and hash as the
// SQLite ledger (KeySecret); the key id is PostgreSQL's. Every write is followed by
// `NOTIFY continuum_keys`, on which the instances re-read the keys at once.
public import Foundation
import PostgresNIO

extension SharedStore {
    /// The channel instances LISTEN on for key changes (payload: the key id).
    public static let keysChannel = "continuum_keys"

    /// Creates a key and returns its id and secret (shown once: only its hash is stored).
    /// Arguments as `Ledger.createKey`.
    public func createKey(
        name: String, allowedModels: [String]? = nil, allowedTiers: [String]? = nil,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, tokenBudget: Int? = nil,
        scopes: [String]? = nil, secret imported: String? = nil, now: Date = Date()
    ) async throws(LedgerError) -> (id: Int64, secret: String) {
        let scopes = try Ledger.checkNewKey(name: name, limits: [requestsPerMinute, tokensPerMinute, tokenBudget],
                                            scopes: scopes, secret: imported)
        let secret = imported ?? KeySecret.generate()
        let prefix = KeySecret.displayPrefix(secret), hash = KeySecret.hash(secret)
        let models = Ledger.encodeList(allowedModels), tiers = Ledger.encodeList(allowedTiers)
        let scopeText = Ledger.encodeList(scopes), created = now.timeIntervalSince1970
        // Data binds through the throwing encoder: build the statement apart.
        let insert: PostgresQuery
        do {
            insert = try """
            INSERT INTO api_keys (name, prefix, secret_hash, allowed_models, allowed_tiers,
                requests_per_minute, tokens_per_minute, token_budget, created_at, scopes)
            VALUES (\(name), \(prefix), \(hash), \(models), \(tiers), \(requestsPerMinute), \(tokensPerMinute),
                \(tokenBudget), \(created), \(scopeText))
            ON CONFLICT (secret_hash) DO NOTHING
            RETURNING id
            """
        } catch {
            throw .database("creating key '\(name)'", error)
        }
        let rows = try await query(insert, "creating key '\(name)'")
        guard let row = rows.first else { throw .invalidArgument("a key with this secret already exists") }
        let id = try decode(row, "creating key") { try $0.decode(Int64.self) }
        try await notifyKeys(id)
        return (id, secret)
    }

    /// Revokes a key given its id ("12") or its display prefix ("ck-AbCd1234"). Revoking a
    /// revoked key is a no-op. Returns the key as it now is.
    @discardableResult
    public func revokeKey(_ idOrPrefix: String, now: Date = Date()) async throws(LedgerError) -> KeyRecord {
        let matches: [PostgresRow]
        if let id = Int64(idOrPrefix) {
            matches = try await query("SELECT id FROM api_keys WHERE id = \(id)", "revoking key \(idOrPrefix)")
        } else {
            matches = try await query("SELECT id FROM api_keys WHERE prefix = \(idOrPrefix) LIMIT 2", "revoking key \(idOrPrefix)")
        }
        guard let first = matches.first else { throw .keyNotFound(idOrPrefix) }
        guard matches.count == 1 else { throw .ambiguousKey(idOrPrefix, matches: matches.count) }
        let id = try decode(first, "revoking key") { try $0.decode(Int64.self) }
        let revoked = now.timeIntervalSince1970
        try await query("UPDATE api_keys SET revoked_at = \(revoked) WHERE id = \(id) AND revoked_at IS NULL",
                        "revoking key \(idOrPrefix)")
        try await notifyKeys(id)
        guard let key = try await mirroredKeys(where: id).first else { throw .keyNotFound(idOrPrefix) }
        return key.record
    }

    /// Keys by id, revoked ones included unless `includeRevoked` is false (as `Ledger.listKeys`).
    public func listKeys(includeRevoked: Bool = true, after: Int64 = 0, limit: Int = 100) async throws(LedgerError) -> [KeyRecord] {
        let limit = max(0, min(limit, Ledger.maxKeysPerPage))
        let rows = try await query("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys
            WHERE id > \(after) AND (\(includeRevoked) OR revoked_at IS NULL) ORDER BY id LIMIT \(limit)
            """, "listing keys")
        return try rows.map { row throws(LedgerError) in try self.mirroredKey(row).record }
    }

    /// The active keys, with the SHA-256 of their secret.
    public func activeKeys() async throws(LedgerError) -> [(hash: Data, record: KeyRecord)] {
        try await allKeys().filter { !$0.isRevoked }.map { ($0.secretHash, $0.record) }
    }

    /// Every key row as stored, revoked ones included: what an instance mirrors.
    public func allKeys() async throws(LedgerError) -> [MirroredKey] {
        try await mirroredKeys(where: nil)
    }

    private func mirroredKeys(where id: Int64?) async throws(LedgerError) -> [MirroredKey] {
        let rows = try await query("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE \(id == nil) OR id = \(id ?? 0) ORDER BY id
            """, "reading keys")
        return try rows.map { row throws(LedgerError) in try self.mirroredKey(row) }
    }

    private func notifyKeys(_ id: Int64) async throws(LedgerError) {
        try await query("SELECT pg_notify(\(Self.keysChannel), \(String(id)))", "notifying key change")
    }

    private static let keyColumns = """
        id, name, prefix, secret_hash, allowed_models, allowed_tiers, requests_per_minute, tokens_per_minute,
        token_budget, tokens_used, created_at, revoked_at, scopes
        """

    private func mirroredKey(_ row: PostgresRow) throws(LedgerError) -> MirroredKey {
        try decode(row, "reading keys") { row in
            let c = row.makeRandomAccess()
            return MirroredKey(
                id: try c["id"].decode(Int64.self), name: try c["name"].decode(String.self),
                prefix: try c["prefix"].decode(String.self), secretHash: try c["secret_hash"].decode(Data.self),
                allowedModels: try c["allowed_models"].decode(String?.self), allowedTiers: try c["allowed_tiers"].decode(String?.self),
                requestsPerMinute: try c["requests_per_minute"].decode(Int?.self),
                tokensPerMinute: try c["tokens_per_minute"].decode(Int?.self),
                tokenBudget: try c["token_budget"].decode(Int?.self), tokensUsed: try c["tokens_used"].decode(Int.self),
                createdAt: try c["created_at"].decode(Double.self), revokedAt: try c["revoked_at"].decode(Double?.self),
                scopes: try c["scopes"].decode(String?.self))
        }
    }

    /// Decodes a row, a mismatch being a database error (the schema is ours).
    func decode<T>(_ row: PostgresRow, _ what: String, _ body: (PostgresRow) throws -> T) throws(LedgerError) -> T {
        do { return try body(row) } catch { throw .database(what, error) }
    }
}

extension MirroredKey {
    /// The record as `Ledger` reads it from the same columns.
    var record: KeyRecord {
        KeyRecord(
            id: id, name: name, prefix: prefix, allowedModels: Ledger.decodeList(allowedModels),
            allowedTiers: Ledger.decodeList(allowedTiers), requestsPerMinute: requestsPerMinute,
            tokensPerMinute: tokensPerMinute, tokenBudget: tokenBudget, tokensUsed: tokensUsed,
            createdAt: Date(timeIntervalSince1970: createdAt), revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:)),
            scopes: Ledger.scopes(scopes))
    }
}

extension SharedStore {
    /// LISTENs on `keysChannel` on a connection of its own and calls `onChange` once
    /// listening (changes made while not listening are thus caught up) and on every
    /// notification. Returns or throws when the connection is lost or the task cancelled:
    /// call it again to re-LISTEN on a new connection.
    public func listenForKeyChanges(_ onChange: @escaping @Sendable () -> Void) async throws(LedgerError) {
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: Self.keysChannel) { notifications in
                    onChange()
                    for try await _ in notifications { onChange() }
                }
            }
        } catch {
            throw .unreachable("listening for key changes", error)
        }
    }
}
