// The functions behind exact budgets and shared rate buckets. They are PL/pgSQL because
// their correctness needs a fresh snapshot AFTER a row lock: a single SQL statement
// (CTE) reads every table in the snapshot taken when it started, so a reserver that waited
// on the key's row lock would sum the reservations as they were before the winner's
// insert committed, and two instances could both grant the last tokens. A VOLATILE
// function takes a new snapshot for each statement it runs (READ COMMITTED), so the sum it
// reads after the lock sees every reservation committed before the lock was granted.
// Each is still one statement (`SELECT * FROM fn(...)`) and one round trip for the caller.

extension SharedStore {
    static let quotaMigration: (name: String, sql: [String]) = ("v5: budget reservation and rate lease functions", [
        // A reservation is named by its instance (a UUID), so a reservation whose answer was
        // lost (timeout after COMMIT) can still be released by name.
        "ALTER TABLE budget_reservations ADD COLUMN request TEXT",
        "CREATE UNIQUE INDEX budget_reservations_request ON budget_reservations(request)",
        // Reservations already settled: a settlement retried after an unknown outcome
        // (connection lost after COMMIT) is charged once. Pruned after a day.
        """
        CREATE TABLE budget_settled (
            request TEXT PRIMARY KEY,
            settled_at DOUBLE PRECISION NOT NULL
        )
        """,
        // Grants prompt + min(max, free) where free = budget − used − reserved − prompt, if
        // free ≥ 1. o_budget is NULL when the key has no budget (or no row).
        """
        CREATE FUNCTION continuum_reserve(p_key BIGINT, p_instance TEXT, p_request TEXT, p_prompt BIGINT, p_max BIGINT)
        RETURNS TABLE (o_budget BIGINT, o_free BIGINT, o_reservation BIGINT, o_granted BIGINT)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE b BIGINT; u BIGINT; r BIGINT; f BIGINT; g BIGINT; rid BIGINT;
        BEGIN
            SELECT k.token_budget, k.tokens_used INTO b, u FROM api_keys k WHERE k.id = p_key FOR UPDATE;
            IF b IS NULL THEN
                RETURN QUERY SELECT NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
                RETURN;
            END IF;
            -- Already released by name (its caller gave up waiting): never reserve it late.
            IF EXISTS (SELECT 1 FROM budget_settled bs WHERE bs.request = p_request) THEN
                RETURN QUERY SELECT b, 0::BIGINT, NULL::BIGINT, NULL::BIGINT;
                RETURN;
            END IF;
            SELECT COALESCE(SUM(br.tokens), 0) INTO r FROM budget_reservations br WHERE br.key_id = p_key;
            f := b - u - r - p_prompt;
            IF f < 1 THEN
                RETURN QUERY SELECT b, f, NULL::BIGINT, NULL::BIGINT;
                RETURN;
            END IF;
            g := CASE WHEN p_max < 0 THEN f ELSE LEAST(p_max, f) END;
            INSERT INTO budget_reservations (key_id, instance_id, request, tokens, created_at)
                VALUES (p_key, p_instance, p_request, p_prompt + g, extract(epoch FROM clock_timestamp())::float8)
                RETURNING id INTO rid;
            RETURN QUERY SELECT b, f, rid, g;
        END $$
        """,
        // Refills the key's bucket by the time elapsed (capacity/60 per second, capped at
        // capacity), adds back what the caller returns (negative: tokens it overspent), then
        // grants up to p_want whole units. The caller's lease row records what it holds.
        """
        CREATE FUNCTION continuum_lease(p_key BIGINT, p_kind TEXT, p_instance TEXT, p_capacity DOUBLE PRECISION,
                                        p_want DOUBLE PRECISION, p_returned DOUBLE PRECISION, p_held DOUBLE PRECISION,
                                        p_ttl DOUBLE PRECISION)
        RETURNS TABLE (o_granted DOUBLE PRECISION, o_balance DOUBLE PRECISION)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE t DOUBLE PRECISION := extract(epoch FROM clock_timestamp())::float8; bal DOUBLE PRECISION; g DOUBLE PRECISION;
        BEGIN
            INSERT INTO rate_buckets AS rb (key_id, kind, balance, updated_at)
                VALUES (p_key, p_kind, LEAST(p_capacity, p_capacity + p_returned), t)
                ON CONFLICT (key_id, kind) DO UPDATE SET
                    balance = LEAST(p_capacity, LEAST(p_capacity, rb.balance + GREATEST(0, t - rb.updated_at) * p_capacity / 60) + p_returned),
                    updated_at = GREATEST(t, rb.updated_at)
                RETURNING rb.balance INTO bal;
            g := GREATEST(0, LEAST(p_want, floor(bal)));
            IF g > 0 THEN
                UPDATE rate_buckets SET balance = balance - g WHERE key_id = p_key AND kind = p_kind;
            END IF;
            IF p_held + g > 0 THEN
                INSERT INTO rate_leases AS rl (key_id, kind, instance_id, units, expires_at)
                    VALUES (p_key, p_kind, p_instance, p_held + g, t + p_ttl)
                    ON CONFLICT (key_id, kind, instance_id) DO UPDATE SET units = p_held + g, expires_at = t + p_ttl;
            ELSE
                DELETE FROM rate_leases WHERE key_id = p_key AND kind = p_kind AND instance_id = p_instance;
            END IF;
            RETURN QUERY SELECT g, bal - g;
        END $$
        """,
    ])
}
