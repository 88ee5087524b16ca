// One row per request: who asked (key, user), what for (model), where it went and why
// (tier, backend, policy, reason, escalation, personal data found), what it cost (tokens)
// and how it went (latencies, status).
public import Foundation

/// How a request ended. `inProgress` is the state a `begin` row has until its final
/// `record`; a row still `in_progress` after a restart is a request the process died in.
public enum RequestStatus: String, Sendable, CaseIterable, Codable {
    case inProgress = "in_progress"
    case ok
    case error
    case cancelled
    case disconnected
    case backendFailed = "backend_failed"
    /// A tier cascade's attempt whose answer was not confident enough: the request went on
    /// to the next tier (its row names the same request with a `.step` suffix).
    case escalated
}

/// The ledger row of one request.
public struct UsageRecord: Sendable, Equatable {
    /// Unique per request (the gateway's request id); `begin` and `record` of one request
    /// share it, and a second `record` with the same id replaces the first.
    public var requestID: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var keyID: Int64?
    public var model: String
    public var tier: String?
    public var backend: String?
    /// The route reason as the gateway renders it (header text), cut to `maxErrorLength`.
    public var routeReason: String?
    /// The routing policy that chose the backend ("round-robin", "continuum", "only",
    /// "cascade"). The ledger stores the gateway's names as they are.
    public var policy: String?
    /// The typed reason behind `routeReason` ("only_backend", "policy", "privacy_kept",
    /// "fallback"), stable enough to group by.
    public var reasonCode: String?
    /// A tier cascade's escalation as the gateway names it ("no", "before", "after"); nil
    /// when the request was not a cascade.
    public var escalation: String?
    /// Kinds of personal data found in the prompt, comma-separated ("email,phone"); nil
    /// when none was found.
    public var personalData: String?
    /// The OpenAI request's `user` field, cut to `maxUserLength` characters when stored.
    public var user: String?
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from a prefix cache (part of `promptTokens`).
    public var cachedTokens: Int
    /// True when the token counts are the gateway's estimate, not the backend's report.
    public var tokensEstimated: Bool
    /// Time to first token, milliseconds.
    public var timeToFirstTokenMs: Double?
    /// Total time, milliseconds.
    public var totalMs: Double?
    public var status: RequestStatus
    public var httpStatus: Int?
    /// Error text, cut to `UsageRecord.maxErrorLength` characters when stored.
    public var error: String?

    /// Longest error text and route reason stored (longer ones are cut).
    public static let maxErrorLength = 1_000
    /// Longest `user` stored: the field is client-chosen, so it is bounded like the rest.
    public static let maxUserLength = 256

    public init(
        requestID: String, startedAt: Date = Date(), finishedAt: Date? = nil, keyID: Int64? = nil,
        model: String, tier: String? = nil, backend: String? = nil, routeReason: String? = nil,
        policy: String? = nil, reasonCode: String? = nil, escalation: String? = nil,
        personalData: String? = nil, user: String? = nil,
        promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int = 0,
        tokensEstimated: Bool = false,
        timeToFirstTokenMs: Double? = nil, totalMs: Double? = nil,
        status: RequestStatus, httpStatus: Int? = nil, error: String? = nil
    ) {
        self.requestID = requestID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.keyID = keyID
        self.model = model
        self.tier = tier
        self.backend = backend
        self.routeReason = routeReason
        self.policy = policy
        self.reasonCode = reasonCode
        self.escalation = escalation
        self.personalData = personalData
        self.user = user
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.tokensEstimated = tokensEstimated
        self.timeToFirstTokenMs = timeToFirstTokenMs
        self.totalMs = totalMs
        self.status = status
        self.httpStatus = httpStatus
        self.error = error
    }

    /// Tokens charged to the key's budget: prompt (cached included) plus completion.
    public var billedTokens: Int { promptTokens + completionTokens }
}
