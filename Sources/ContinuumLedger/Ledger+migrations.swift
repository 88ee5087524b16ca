// The ledger schema, as GRDB migrations. Never edit a shipped migration: add a new one.
// Times are REAL seconds since 1970 (cheap to compare, exact to the microsecond);
// allowed models/tiers and key scopes are JSON arrays, NULL meaning "any" (for scopes:
// the default, ["inference"]). `requests.key_id` has no foreign key on purpose: a row is
// never refused (keys are revoked, never deleted).
import GRDB

extension Ledger {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: api_keys, requests") { db in
            try db.execute(sql: """
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
                """)
        }
        // The routing decision as columns, so `continuum usage --by` can group by it, and
        // key scopes. `tokens_estimated` is 1 when the gateway counted the tokens itself;
        // `scopes` is a JSON array like allowed_*, NULL meaning ["inference"] (every key
        // made before scopes existed). No new index: summaries scan an indexed time range.
        migrator.registerMigration("v2: requests decision columns, api_keys.scopes") { db in
            try db.execute(sql: """
                ALTER TABLE requests ADD COLUMN policy TEXT;
                ALTER TABLE requests ADD COLUMN reason_code TEXT;
                ALTER TABLE requests ADD COLUMN escalation TEXT;
                ALTER TABLE requests ADD COLUMN personal_data TEXT;
                ALTER TABLE requests ADD COLUMN user TEXT;
                ALTER TABLE requests ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE api_keys ADD COLUMN scopes TEXT;
                """)
        }
        // Stored Responses API conversations (`previous_response_id`): the items as JSON, the
        // answer as sent (for GET /v1/responses/{id}), scoped to the key that made them
        // (NULL when keys are off). Expired rows are purged by `purgeExpiredResponses`.
        migrator.registerMigration("v3: responses") { db in
            try db.execute(sql: """
                CREATE TABLE responses (
                    id TEXT PRIMARY KEY NOT NULL,
                    key_id INTEGER,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    model TEXT NOT NULL,
                    items TEXT NOT NULL,
                    response TEXT NOT NULL
                );
                CREATE INDEX responses_expires_at ON responses(expires_at);
                """)
        }
        // The spool of a gateway sharing a PostgreSQL store (`--ledger-url`): `unshipped` counts
        // the writes of a row not yet copied to the store (0: shipped). Every write of a row adds
        // one, so the shipper marks a row shipped only if it is still the version it sent (see
        // Ledger+spool.swift). Older rows start at 1: a ledger that later joins a store ships its
        // history. The partial index holds only rows still to ship.
        migrator.registerMigration("v4: requests.unshipped") { db in
            try db.execute(sql: """
                ALTER TABLE requests ADD COLUMN unshipped INTEGER NOT NULL DEFAULT 1;
                CREATE INDEX requests_unshipped ON requests(started_at) WHERE unshipped > 0;
                """)
        }
        return migrator
    }
}
