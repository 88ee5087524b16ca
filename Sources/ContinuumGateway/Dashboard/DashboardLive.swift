import Foundation

/// `GET /ui/api/live`: the gateway's state now. Counters are totals since start; the page
/// diffs two snapshots for rates.
struct DashboardLive: Encodable, Sendable {
    /// Seconds since 1970 when the snapshot was taken, and since the gateway started.
    let time: Double
    let uptimeSeconds: Double
    let traffic: Traffic
    let engines: [Engine]
    let replicas: [Replica]

    struct Traffic: Encodable, Sendable {
        let requests: [RequestCount]
        /// Cascade steps by escalation ("no", "before", "after").
        let escalations: [String: Int]
        /// Requests by kind of personal data found ("none" when none was).
        let personalData: [String: Int]
        /// Over the last 256 requests that produced a token.
        let timeToFirstTokenMs: Percentiles?
        let tokensPerSecond: Percentiles?
    }

    struct RequestCount: Encodable, Sendable {
        let model, tier, backend, status: String
        let count: Int
    }

    struct Percentiles: Encodable, Sendable {
        let samples: Int
        let p50, p90, p99, max: Double
    }

    /// One in-process engine.
    struct Engine: Encodable, Sendable {
        let backend: String
        let waiting, running: Int
        let kvBlocksUsed, kvBlocksCached, kvBlocksTotal: Int
        let promptTokens, cachedPromptTokens: Int
        /// Share of prompt tokens served from the prefix cache since start.
        let prefixHitRate: Double
        let preemptions: Int
    }

    /// One backend of one served model.
    struct Replica: Encodable, Sendable {
        let model, backend, tier, kind: String
        /// "closed" (healthy) or "open" (failing; probed now and then).
        let circuit: String
        let outstanding: Int
    }
}
