// API keys: create, list, revoke, authenticate. Secrets are returned once, by `createKey`,
// and never stored: lookups go by SHA-256, so no secret is ever compared as a string.
public import Foundation
import GRDB

extension Ledger {
    /// Most keys one `listKeys` call returns.
    public static let maxKeysPerPage = 1_000

    /// Creates a key and returns its id and secret. The secret is shown once: only its
    /// hash is stored. nil limits mean unlimited; nil allow-lists mean any. `scopes` are
    /// taken from `KeyRecord.knownScopes` (nil means `KeyRecord.defaultScopes`; ["admin"]
    /// alone makes a key that reads metrics but cannot infer). `secret` imports an existing
    /// secret (32 to 256 printable ASCII characters, no spaces) instead of generating one,
    /// e.g. for clients configured for another gateway.
    public func createKey(
        name: String, allowedModels: [String]? = nil, allowedTiers: [String]? = nil,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, tokenBudget: Int? = nil,
        scopes: [String]? = nil, secret imported: String? = nil, now: Date = Date()
    ) async throws(LedgerError) -> (id: Int64, secret: String) {
        let scopes = try Self.checkNewKey(name: name, limits: [requestsPerMinute, tokensPerMinute, tokenBudget],
                                          scopes: scopes, secret: imported)
        let secret = imported ?? KeySecret.generate()
        let arguments: StatementArguments = [
            name, KeySecret.displayPrefix(secret), KeySecret.hash(secret),
            Self.encodeList(allowedModels), Self.encodeList(allowedTiers),
            requestsPerMinute, tokensPerMinute, tokenBudget, now.timeIntervalSince1970,
            Self.encodeList(scopes),
        ]
        do {
            let id = try await database.write { db in
                try db.execute(sql: """
                    INSERT INTO api_keys (name, prefix, secret_hash, allowed_models, allowed_tiers,
                        requests_per_minute, tokens_per_minute, token_budget, created_at, scopes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: arguments)
                return db.lastInsertedRowID
            }
            let record = KeyRecord(
                id: id, name: name, prefix: KeySecret.displayPrefix(secret), allowedModels: allowedModels,
                allowedTiers: allowedTiers, requestsPerMinute: requestsPerMinute,
                tokensPerMinute: tokensPerMinute, tokenBudget: tokenBudget, tokensUsed: 0,
                createdAt: Date(timeIntervalSince1970: now.timeIntervalSince1970), revokedAt: nil,
                scopes: scopes ?? KeyRecord.defaultScopes)
            keyCache.withLock { $0.byHash[KeySecret.hash(secret)] = record }
            return (id, secret)
        } catch {
            throw .database("creating key '\(name)'", error)
        }
    }

    /// Checks a new key's fields (the same for the SQLite ledger and the shared store) and
    /// returns its scopes, duplicates dropped (nil: the default).
    static func checkNewKey(name: String, limits: [Int?], scopes: [String]?, secret imported: String?) throws(LedgerError) -> [String]? {
        guard !name.isEmpty, name.count <= 200 else {
            throw .invalidArgument("key name must have 1 to 200 characters")
        }
        for (label, value) in zip(["requestsPerMinute", "tokensPerMinute", "tokenBudget"], limits) {
            if let value, value < 0 { throw .invalidArgument("\(label) must not be negative (\(value))") }
        }
        if let imported, !KeySecret.isImportable(imported) {
            throw .invalidArgument("an imported secret must have 32 to 256 printable ASCII characters and no spaces")
        }
        return try scopes.map(checkedScopes)
    }

    /// Keys by id, revoked ones included unless `includeRevoked` is false. At most
    /// `maxKeysPerPage` per call; page with `after` (the last id of the previous page).
    public func listKeys(
        includeRevoked: Bool = true, after: Int64 = 0, limit: Int = 100
    ) async throws(LedgerError) -> [KeyRecord] {
        let limit = max(0, min(limit, Self.maxKeysPerPage))
        do {
            return try await database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT \(Self.keyColumns) FROM api_keys
                    WHERE id > ? AND (? OR revoked_at IS NULL)
                    ORDER BY id LIMIT ?
                    """, arguments: [after, includeRevoked, limit]).map(Self.keyRecord)
            }
        } catch {
            throw .database("listing keys", error)
        }
    }

    /// The key with this id, revoked or not.
    public func key(id: Int64) async throws(LedgerError) -> KeyRecord {
        let record: KeyRecord?
        do {
            record = try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?",
                                 arguments: [id]).map(Self.keyRecord)
            }
        } catch {
            throw .database("reading key \(id)", error)
        }
        guard let record else { throw .keyNotFound(String(id)) }
        return record
    }

    /// Revokes a key given its id ("12") or its display prefix ("ck-AbCd1234"). Revoking
    /// a revoked key is a no-op. Returns the key as it now is.
    @discardableResult
    public func revokeKey(_ idOrPrefix: String, now: Date = Date()) async throws(LedgerError) -> KeyRecord {
        let result: Result<KeyRecord, LedgerError>
        do {
            result = try await database.write { db -> Result<KeyRecord, LedgerError> in
                let ids: [Int64]
                if let id = Int64(idOrPrefix) {
                    ids = try Int64.fetchAll(db, sql: "SELECT id FROM api_keys WHERE id = ?", arguments: [id])
                } else {
                    ids = try Int64.fetchAll(db, sql: "SELECT id FROM api_keys WHERE prefix = ? LIMIT 2",
                                             arguments: [idOrPrefix])
                }
                guard let id = ids.first else { return .failure(.keyNotFound(idOrPrefix)) }
                guard ids.count == 1 else { return .failure(.ambiguousKey(idOrPrefix, matches: ids.count)) }
                try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                               arguments: [now.timeIntervalSince1970, id])
                let row = try Row.fetchOne(db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?", arguments: [id])
                return row.map { .success(Self.keyRecord($0)) } ?? .failure(.keyNotFound(idOrPrefix))
            }
        } catch {
            throw .database("revoking key \(idOrPrefix)", error)
        }
        let record = try result.get()
        keyCache.withLock { $0.remove(id: record.id) }
        return record
    }

    /// The active key whose secret this is, or nil (unknown, malformed or revoked).
    /// Served from the in-memory key table (see KeyCache.swift); a miss is looked up in
    /// the database by SHA-256 of the secret, through a unique index. Secrets are never
    /// compared as strings. The record's `tokensUsed` is as of the last load: use
    /// `tokensUsed(keyID:)` for the current figure.
    public func authenticate(_ secret: String) async throws(LedgerError) -> KeyRecord? {
        guard KeySecret.isWellFormed(secret) else { return nil }
        let hash = KeySecret.hash(secret)
        try await reloadKeysIfStale()
        if let cached = keyCache.withLock({ $0.byHash[hash] }) { return cached }
        let record: KeyRecord?
        do {
            record = try await database.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT \(Self.keyColumns) FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL
                    """, arguments: [hash]).map(Self.keyRecord)
            }
        } catch {
            throw .database("authenticating", error)
        }
        if let record { keyCache.withLock { $0.byHash[hash] = record } }
        return record
    }

    /// Reloads the in-memory key table from the database, picking up keys revoked or
    /// changed by another process. `authenticate` does it by itself every `keyCacheTTL`.
    public func reloadKeys() async throws(LedgerError) {
        do {
            let keys = try await database.read(Self.fetchActiveKeys)
            keyCache.withLock { $0.replace(with: keys, at: .now) }
        } catch {
            keyCache.withLock { $0.reloading = false }
            throw .database("loading keys", error)
        }
    }

    /// Reloads the key table if it is older than `keyCacheTTL` and no other caller is
    /// already reloading it (they go on with the current table meanwhile).
    private func reloadKeysIfStale() async throws(LedgerError) {
        let now = ContinuousClock.now
        let reload = keyCache.withLock { cache -> Bool in
            guard now - cache.loadedAt > keyCacheTTL, !cache.reloading else { return false }
            cache.reloading = true
            return true
        }
        if reload { try await reloadKeys() }
    }

    @Sendable
    static func fetchActiveKeys(_ db: Database) throws -> [(hash: Data, record: KeyRecord)] {
        try Row.fetchAll(db, sql: """
            SELECT secret_hash, \(keyColumns) FROM api_keys WHERE revoked_at IS NULL
            """).map { row in (row["secret_hash"], keyRecord(row)) }
    }

    /// Whether any key is active. When one is, every request needs a key. Answered from
    /// the in-memory key table (a key created by another process counts from the next
    /// reload, at most `keyCacheTTL` later).
    public func hasAnyKeys() async throws(LedgerError) -> Bool {
        try await reloadKeysIfStale()
        return keyCache.withLock { !$0.byHash.isEmpty }
    }

    /// Tokens charged to the key: committed rows plus final rows still queued in the
    /// writer. Read on the writer's queue, so a batch is never counted twice or missed.
    public func tokensUsed(keyID: Int64) async throws(LedgerError) -> Int {
        let committed: Int?
        let writer = self.writer
        do {
            committed = try await database.writeWithoutTransaction { db -> Int? in
                guard let used = try Int.fetchOne(db, sql: "SELECT tokens_used FROM api_keys WHERE id = ?",
                                                  arguments: [keyID]) else { return nil }
                return used + writer.pendingTokens(keyID: keyID)
            }
        } catch {
            throw .database("reading tokens used by key \(keyID)", error)
        }
        guard let committed else { throw .keyNotFound(String(keyID)) }
        return committed
    }

    // MARK: Rows

    private static let keyColumns = """
        id, name, prefix, allowed_models, allowed_tiers, requests_per_minute, tokens_per_minute,
        token_budget, tokens_used, created_at, revoked_at, scopes
        """

    private static func keyRecord(_ row: Row) -> KeyRecord {
        let revokedAt: Double? = row["revoked_at"]
        return KeyRecord(
            id: row["id"], name: row["name"], prefix: row["prefix"],
            allowedModels: decodeList(row["allowed_models"]), allowedTiers: decodeList(row["allowed_tiers"]),
            requestsPerMinute: row["requests_per_minute"], tokensPerMinute: row["tokens_per_minute"],
            tokenBudget: row["token_budget"], tokensUsed: row["tokens_used"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:)),
            scopes: scopes(row["scopes"]))
    }

    /// The scopes as given, duplicates dropped; refuses an empty list or an unknown scope.
    static func checkedScopes(_ scopes: [String]) throws(LedgerError) -> [String] {
        guard !scopes.isEmpty else { throw .invalidArgument("a key needs at least one scope") }
        var unique: [String] = []
        for scope in scopes where !unique.contains(scope) {
            guard KeyRecord.knownScopes.contains(scope) else {
                throw .invalidArgument("unknown scope '\(scope)' (known: \(KeyRecord.knownScopes.joined(separator: ", ")))")
            }
            unique.append(scope)
        }
        return unique
    }

    /// NULL is the default; an unreadable list grants nothing (fail closed).
    static func scopes(_ text: String?) -> [String] {
        guard let text else { return KeyRecord.defaultScopes }
        return decodeList(text) ?? []
    }

    static func encodeList(_ list: [String]?) -> String? {
        guard let list, let data = try? JSONEncoder().encode(list) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeList(_ text: String?) -> [String]? {
        guard let text else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
