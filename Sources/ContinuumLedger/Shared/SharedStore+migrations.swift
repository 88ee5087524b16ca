// The shared schema. The request/key/response tables have the same columns as the SQLite
// ledger after its migrations v1-v3 (times as seconds since 1970, lists as JSON text), so
// rows ship from an instance's spool unchanged; the lease tables exist only here.
// Never edit a shipped migration: append one. Each runs once, in a transaction, under an
// advisory lock so instances starting together do not race.
import Foundation
import PostgresNIO

extension SharedStore {
    static let migrations: [(name: String, sql: [String])] = [
        ("v1-v3: api_keys, requests, responses (as the SQLite ledger)", [
            """
            CREATE TABLE api_keys (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                secret_hash BYTEA NOT NULL UNIQUE,
                allowed_models TEXT,
                allowed_tiers TEXT,
                requests_per_minute BIGINT,
                tokens_per_minute BIGINT,
                token_budget BIGINT,
                tokens_used BIGINT NOT NULL DEFAULT 0,
                created_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION,
                scopes TEXT
            )
            """,
            "CREATE INDEX api_keys_prefix ON api_keys(prefix)",
            """
            CREATE TABLE requests (
                request_id TEXT PRIMARY KEY NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION,
                key_id BIGINT,
                model TEXT NOT NULL,
                tier TEXT,
                backend TEXT,
                route_reason TEXT,
                prompt_tokens BIGINT NOT NULL DEFAULT 0,
                completion_tokens BIGINT NOT NULL DEFAULT 0,
                cached_tokens BIGINT NOT NULL DEFAULT 0,
                ttft_ms DOUBLE PRECISION,
                total_ms DOUBLE PRECISION,
                status TEXT NOT NULL,
                http_status BIGINT,
                error TEXT,
                policy TEXT,
                reason_code TEXT,
                escalation TEXT,
                personal_data TEXT,
                "user" TEXT,
                tokens_estimated BIGINT NOT NULL DEFAULT 0,
                instance_id TEXT
            )
            """,
            "CREATE INDEX requests_started_at ON requests(started_at)",
            "CREATE INDEX requests_key_started_at ON requests(key_id, started_at)",
            """
            CREATE TABLE responses (
                id TEXT PRIMARY KEY NOT NULL,
                key_id BIGINT,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                model TEXT NOT NULL,
                items TEXT NOT NULL,
                response TEXT NOT NULL
            )
            """,
            "CREATE INDEX responses_expires_at ON responses(expires_at)",
        ]),
        ("v4: instances, budget reservations, rate leases", [
            // One row per running gateway; `seen_at` is its heartbeat. Reservations and leases
            // of an instance not seen for the lease TTL are reclaimed by any other instance.
            """
            CREATE TABLE instances (
                id TEXT PRIMARY KEY NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                seen_at DOUBLE PRECISION NOT NULL
            )
            """,
            // Tokens a request may still spend: reserved before it is sent, deleted when it
            // settles (its real count then goes to api_keys.tokens_used).
            """
            CREATE TABLE budget_reservations (
                id BIGSERIAL PRIMARY KEY,
                key_id BIGINT NOT NULL,
                instance_id TEXT NOT NULL,
                tokens BIGINT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX budget_reservations_key ON budget_reservations(key_id)",
            "CREATE INDEX budget_reservations_instance ON budget_reservations(instance_id)",
            // A shared token bucket per key and kind ('requests' or 'tokens'); instances take
            // leases of units from it and give back what they did not use.
            """
            CREATE TABLE rate_buckets (
                key_id BIGINT NOT NULL,
                kind TEXT NOT NULL,
                balance DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (key_id, kind)
            )
            """,
            """
            CREATE TABLE rate_leases (
                key_id BIGINT NOT NULL,
                kind TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                units DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (key_id, kind, instance_id)
            )
            """,
        ]),
        quotaMigration,
        rateWindowMigration,
    ]

    /// Creates or upgrades the schema; safe to call from several instances at once.
    public func migrate() async throws(LedgerError) {
        let url = self.url
        do {
            try await withStoreDeadline(10) { [client] () async throws(LedgerError) in
                do {
                    try await client.withConnection { connection in try await Self.runMigrations(on: connection) }
                } catch {
                    throw .migrationFailed(path: url.description, reason: "\(String(reflecting: error))")
                }
            }
        } catch let e where e == .unreachable {
            throw .migrationFailed(path: url.description, reason: "no answer within 10 s")
        }
    }

    /// Applies the migrations not applied yet, each in its own transaction.
    private static func runMigrations(on connection: PostgresConnection) async throws {
        // Serialises migrators across instances (released with the session).
        _ = try await connection.query("SELECT pg_advisory_lock(727274)", logger: Self.quiet)
        do {
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)",
                logger: Self.quiet)
            let rows = try await connection.query("SELECT name FROM schema_migrations", logger: Self.quiet).collect()
            let applied = Set(try rows.map { try $0.decode(String.self) })
            for migration in Self.migrations where !applied.contains(migration.name) {
                _ = try await connection.query("BEGIN", logger: Self.quiet)
                do {
                    for statement in migration.sql {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet)
                    }
                    let name = migration.name
                    let now = Date().timeIntervalSince1970
                    _ = try await connection.query(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (\(name), \(now))", logger: Self.quiet)
                    _ = try await connection.query("COMMIT", logger: Self.quiet)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: Self.quiet)
                    throw error
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(727274)", logger: Self.quiet)
            throw error
        }
        _ = try await connection.query("SELECT pg_advisory_unlock(727274)", logger: Self.quiet)
    }
}
