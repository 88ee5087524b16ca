// v6: shared rate limits as "at most N in any 60 s" instead of a token bucket. A bucket that
// holds N and refills N a minute admits 2N in a minute that starts full (LiteLLM's fixed
// windows admit up to 2N across a window edge); a user who configured 600 a minute expects
// 600 in any minute. Each lease is a row of `rate_grants` stamped with the database's clock;
// a key's window is the sum of its grants of the last 60 s. An instance admits only from
// units it was granted, so in any 60 s interval the instances together admit at most N plus
// what they still held from grants made just before it (at most one lease each). Units given
// back come off the instance's newest grants, so they can be granted again at once; tokens
// spent beyond a lease are recorded as a grant when they are paid back.
extension SharedStore {
    static let rateWindowMigration: (name: String, sql: [String]) = ("v6: rate limits over any 60 s (rate_grants)", [
        """
        CREATE TABLE rate_grants (
            id BIGSERIAL PRIMARY KEY,
            key_id BIGINT NOT NULL,
            kind TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            granted_at DOUBLE PRECISION NOT NULL,
            units DOUBLE PRECISION NOT NULL
        )
        """,
        "CREATE INDEX rate_grants_window ON rate_grants(key_id, kind, granted_at)",
        "DROP FUNCTION continuum_lease(BIGINT, TEXT, TEXT, DOUBLE PRECISION, DOUBLE PRECISION, DOUBLE PRECISION, DOUBLE PRECISION, DOUBLE PRECISION)",
        // Same arguments as v5's; returns what was granted, the room left in the window, and
        // (when the grant fell short of one unit) the seconds until old grants make room.
        // rate_buckets now only anchors the per-key lock (its balance is unused).
        """
        CREATE FUNCTION continuum_lease(p_key BIGINT, p_kind TEXT, p_instance TEXT, p_capacity DOUBLE PRECISION,
                                        p_want DOUBLE PRECISION, p_returned DOUBLE PRECISION, p_held DOUBLE PRECISION,
                                        p_ttl DOUBLE PRECISION)
        RETURNS TABLE (o_granted DOUBLE PRECISION, o_room DOUBLE PRECISION, o_wait DOUBLE PRECISION)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE t DOUBLE PRECISION := extract(epoch FROM clock_timestamp())::float8;
                used DOUBLE PRECISION; g DOUBLE PRECISION; back DOUBLE PRECISION := p_returned;
                gid BIGINT; amt DOUBLE PRECISION; w DOUBLE PRECISION := 0; freed DOUBLE PRECISION := 0;
                gt DOUBLE PRECISION;
        BEGIN
            INSERT INTO rate_buckets (key_id, kind, balance, updated_at) VALUES (p_key, p_kind, 0, t)
                ON CONFLICT (key_id, kind) DO NOTHING;
            PERFORM 1 FROM rate_buckets WHERE key_id = p_key AND kind = p_kind FOR UPDATE;
            DELETE FROM rate_grants WHERE key_id = p_key AND kind = p_kind AND granted_at <= t - 60;
            IF back > 0 THEN
                FOR gid, amt IN SELECT id, units FROM rate_grants
                                WHERE key_id = p_key AND kind = p_kind AND instance_id = p_instance
                                ORDER BY granted_at DESC LOOP
                    EXIT WHEN back <= 0;
                    IF amt <= back THEN
                        DELETE FROM rate_grants WHERE id = gid;
                        back := back - amt;
                    ELSE
                        UPDATE rate_grants SET units = units - back WHERE id = gid;
                        back := 0;
                    END IF;
                END LOOP;
            ELSIF back < 0 THEN
                INSERT INTO rate_grants (key_id, kind, instance_id, granted_at, units) VALUES (p_key, p_kind, p_instance, t, -back);
            END IF;
            SELECT COALESCE(SUM(units), 0) INTO used FROM rate_grants WHERE key_id = p_key AND kind = p_kind;
            g := GREATEST(0, LEAST(p_want, floor(p_capacity - used)));
            IF g > 0 THEN
                INSERT INTO rate_grants (key_id, kind, instance_id, granted_at, units) VALUES (p_key, p_kind, p_instance, t, g);
            END IF;
            IF p_held + g < 1 AND p_want > 0 THEN
                -- How long until the oldest grants leave the window and free one unit.
                w := 60;
                FOR gt, amt IN SELECT granted_at, units FROM rate_grants WHERE key_id = p_key AND kind = p_kind
                               ORDER BY granted_at LOOP
                    freed := freed + amt;
                    IF p_capacity - used - g + freed >= 1 THEN
                        w := GREATEST(0, gt + 60 - t);
                        EXIT;
                    END IF;
                END LOOP;
            END IF;
            IF p_held + g > 0 THEN
                INSERT INTO rate_leases AS rl (key_id, kind, instance_id, units, expires_at)
                    VALUES (p_key, p_kind, p_instance, p_held + g, t + p_ttl)
                    ON CONFLICT (key_id, kind, instance_id) DO UPDATE SET units = p_held + g, expires_at = t + p_ttl;
            ELSE
                DELETE FROM rate_leases WHERE key_id = p_key AND kind = p_kind AND instance_id = p_instance;
            END IF;
            RETURN QUERY SELECT g, p_capacity - used - g, w;
        END $$
        """,
    ])
}
