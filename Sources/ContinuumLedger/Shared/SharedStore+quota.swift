// Budget reservations, rate leases and the instance heartbeat, one statement each (the
// functions are in SharedStore+quotaSchema.swift). Times are the database's clock, so
// instances on hosts whose clocks disagree still agree on who is dead.
import Foundation
import PostgresNIO

extension SharedStore {
    /// What `reserveBudget` found.
    public enum BudgetGrant: Sendable, Equatable {
        /// The key has no budget in the shared store.
        case unlimited
        /// Reserved: the tokens it allows to generate.
        case granted(limit: Int)
        /// Not even the prompt and one token fit: the budget and what was left of it.
        case insufficient(budget: Int, free: Int)
    }

    /// Reserves `prompt` tokens plus up to `maxTokens` (nil: all that is free) of the key's
    /// budget, under the key row's lock: the reservations of all instances never add up to
    /// more than the budget.
    /// `request` names the reservation (unique, e.g. a UUID) for `settleBudget`.
    public func reserveBudget(keyID: Int64, request: String, prompt: Int, maxTokens: Int?) async throws(LedgerError) -> BudgetGrant {
        let instance = instanceID, p = Int64(prompt), m = Int64(maxTokens ?? -1)
        let rows = try await query("SELECT * FROM continuum_reserve(\(keyID), \(instance), \(request), \(p), \(m))", "reserve budget")
        guard let row = rows.first else { return .unlimited }
        do {
            let (budget, free, id, granted) = try row.decode((Int64?, Int64?, Int64?, Int64?).self)
            guard let budget else { return .unlimited }
            guard let id, let granted else { return .insufficient(budget: Int(budget), free: Int(free ?? 0)) }
            _ = id
            return .granted(limit: Int(granted))
        } catch {
            throw .database("reserve budget", error)
        }
    }

    /// Deletes the reservation and charges `used` tokens to the key, in one statement. A
    /// settlement is charged once even if retried (budget_settled), and even if the
    /// reservation was reclaimed meanwhile (its instance looked dead), or never made (a
    /// reserve whose answer was lost is settled with `used` 0 to release it if it was).
    public func settleBudget(keyID: Int64, request: String, used: Int) async throws(LedgerError) {
        let u = Int64(used)
        try await query("""
            WITH d AS (DELETE FROM budget_reservations WHERE request = \(request)),
                 s AS (INSERT INTO budget_settled (request, settled_at)
                       VALUES (\(request), extract(epoch FROM clock_timestamp())::float8)
                       ON CONFLICT DO NOTHING RETURNING request)
            UPDATE api_keys SET tokens_used = tokens_used + \(u) WHERE id = \(keyID) AND EXISTS (SELECT 1 FROM s)
            """, "settle budget")
    }

    /// A lease taken from (or given back to) a key's shared rate bucket.
    public struct LeaseGrant: Sendable, Equatable {
        /// Units granted now (whole units, 0 when the last 60 s used the whole rate).
        public var granted: Double
        /// Room left in the key's last 60 s after the grant.
        public var room: Double
        /// When the grant left this instance short of one unit: seconds until grants leave
        /// the window and make room for one (0 otherwise).
        public var retryAfter: Double
    }

    /// Gives `returned` units back to the key's window `kind` (`capacity` in any 60 s; negative:
    /// units this instance overspent), takes up to `want`, and records that this instance now
    /// holds `held` + granted units until `ttl` seconds from now (SharedStore+rateWindow.swift).
    public func lease(keyID: Int64, kind: String, capacity: Int, want: Double, returned: Double, held: Double,
                      ttl: Double) async throws(LedgerError) -> LeaseGrant {
        let instance = instanceID, c = Double(capacity)
        let rows = try await query(
            "SELECT * FROM continuum_lease(\(keyID), \(kind), \(instance), \(c), \(want), \(returned), \(held), \(ttl))", "rate lease")
        do {
            guard let row = rows.first else { return LeaseGrant(granted: 0, room: 0, retryAfter: 1) }
            let (g, room, wait) = try row.decode((Double, Double, Double).self)
            return LeaseGrant(granted: g, room: room, retryAfter: wait)
        } catch {
            throw .database("rate lease", error)
        }
    }

    /// What one heartbeat reclaimed from instances not seen for the TTL.
    public struct Reclaimed: Sendable, Equatable {
        public var instances = 0, reservations = 0, leases = 0
    }

    /// Marks this instance alive and, when `reclaim`, deletes the instances not seen for `ttl`
    /// seconds with their budget reservations (released, not charged) and rate leases (dropped:
    /// counted as spent, so a dead instance's lease never admits twice). Reservations of an
    /// instance that never beat (killed before its first heartbeat) go after `ttl` too.
    @discardableResult
    public func heartbeat(ttl: Double, reclaim: Bool) async throws(LedgerError) -> Reclaimed {
        let instance = instanceID
        let rows = try await query("""
            WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now),
                 hb AS (INSERT INTO instances (id, started_at, seen_at) SELECT \(instance), now, now FROM t
                        ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at),
                 dead AS (DELETE FROM instances i USING t
                          WHERE \(reclaim) AND i.id <> \(instance) AND i.seen_at < t.now - \(ttl) RETURNING i.id),
                 b AS (DELETE FROM budget_reservations r USING t
                       WHERE \(reclaim) AND r.instance_id <> \(instance)
                         AND (r.instance_id IN (SELECT id FROM dead)
                              OR (r.created_at < t.now - \(ttl) AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = r.instance_id)))
                       RETURNING 1),
                 l AS (DELETE FROM rate_leases l USING t
                       WHERE \(reclaim) AND l.instance_id <> \(instance)
                         AND (l.instance_id IN (SELECT id FROM dead)
                              OR (l.expires_at < t.now AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = l.instance_id)))
                       RETURNING 1),
                 s AS (DELETE FROM budget_settled USING t WHERE \(reclaim) AND settled_at < t.now - 86400)
            SELECT (SELECT count(*) FROM dead), (SELECT count(*) FROM b), (SELECT count(*) FROM l)
            """, "heartbeat")
        do {
            guard let row = rows.first else { return Reclaimed() }
            let (i, b, l) = try row.decode((Int64, Int64, Int64).self)
            return Reclaimed(instances: Int(i), reservations: Int(b), leases: Int(l))
        } catch {
            throw .database("heartbeat", error)
        }
    }

    /// Removes this instance at a clean shutdown (its leases were returned first).
    public func leave() async throws(LedgerError) {
        let instance = instanceID
        try await query("DELETE FROM instances WHERE id = \(instance)", "leave")
    }
}
