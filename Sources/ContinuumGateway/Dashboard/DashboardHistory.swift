import ContinuumLedger
import Foundation

/// What the dashboard's history panels read from the ledger. The ledger holds no prompt or
/// answer text (the gateway never stores it), so neither does this.
enum DashboardHistory {
    /// `GET /ui/api/requests`: the last requests, newest first.
    struct Requests: Encodable, Sendable {
        /// False when the server runs without a ledger (then nothing is listed).
        let ledger: Bool
        let requests: [Row]
    }

    /// `GET /ui/api/usage`: requests and tokens per time bucket and group.
    struct Usage: Encodable, Sendable {
        let ledger: Bool
        let by: String
        let bucketSeconds: Int
        let since: Double
        let buckets: [UsageBucket]
    }

    /// One ledger row as the page shows it.
    struct Row: Encodable, Sendable {
        let id: String
        let started: Double
        let keyID: Int64?
        /// The key's prefix and name.
        let key: String?
        let model: String
        let tier, backend, policy, route, routeCode, escalation, personalData: String?
        let status: String
        let httpStatus: Int?
        let promptTokens, completionTokens, cachedTokens: Int
        let timeToFirstTokenMs, totalMs: Double?
        let error: String?

        init(_ r: UsageRecord, key: String?) {
            id = r.requestID
            self.key = key
            started = r.startedAt.timeIntervalSince1970
            keyID = r.keyID
            model = r.model
            tier = r.tier
            backend = r.backend
            policy = r.policy
            route = r.routeReason
            routeCode = r.reasonCode
            escalation = r.escalation
            personalData = r.personalData
            status = r.status.rawValue
            httpStatus = r.httpStatus
            promptTokens = r.promptTokens
            completionTokens = r.completionTokens
            cachedTokens = r.cachedTokens
            timeToFirstTokenMs = r.timeToFirstTokenMs
            totalMs = r.totalMs
            error = r.error
        }
    }
}
