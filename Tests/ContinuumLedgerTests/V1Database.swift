// A ledger file as the first release left it: the "v1" schema, frozen here as shipped, so
// that migration tests start from what users have on disk, not from today's code.
import Foundation
import GRDB

enum V1Database {
    /// Creates a v1 ledger at `path` holding one key (hash of `secret`, 15 tokens used)
    /// and one finished request of that key, "old-1".
    static func create(at path: String, secret: String, secretHash: Data) throws {
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: api_keys, requests") { db in
            try db.execute(sql: schema)
        }
        try migrator.migrate(queue)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO api_keys (name, prefix, secret_hash, allowed_models, tokens_used, created_at)
                VALUES ('old', ?, ?, '["qwen"]', 15, 1700000000)
                """, arguments: [String(secret.prefix(11)), secretHash])
            try db.execute(sql: """
                INSERT INTO requests (request_id, started_at, finished_at, key_id, model, tier, backend,
                    route_reason, prompt_tokens, completion_tokens, cached_tokens, ttft_ms, total_ms,
                    status, http_status)
                VALUES ('old-1', 1700000000, 1700000001, 1, 'qwen', 'edge', 'local', 'default',
                    10, 5, 2, 12.5, 100, 'ok', 200)
                """)
        }
        try queue.close()
    }

    static let schema = """
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            secret_hash BLOB NOT NULL UNIQUE,
            allowed_models TEXT,
            allowed_tiers TEXT,
            requests_per_minute INTEGER,
            tokens_per_minute INTEGER,
            token_budget INTEGER,
            tokens_used INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            revoked_at REAL
        );
        CREATE INDEX api_keys_prefix ON api_keys(prefix);

        CREATE TABLE requests (
            request_id TEXT PRIMARY KEY NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            key_id INTEGER,
            model TEXT NOT NULL,
            tier TEXT,
            backend TEXT,
            route_reason TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            ttft_ms REAL,
            total_ms REAL,
            status TEXT NOT NULL,
            http_status INTEGER,
            error TEXT
        );
        CREATE INDEX requests_started_at ON requests(started_at);
        CREATE INDEX requests_key_started_at ON requests(key_id, started_at);
        """

    /// Column names of `table` in the database at `path`.
    static func columns(of table: String, at path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try db.columns(in: table).map(\.name) }
    }
}
