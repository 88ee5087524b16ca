// What `continuum usage` prints: per key, model, tier, backend or part of the routing
// decision, how many requests, how many failed, tokens, and time to first token.

/// What a usage summary groups requests by. The raw values are `continuum usage --by`'s.
public enum UsageGrouping: String, Sendable, CaseIterable {
    case key, model, tier, backend
    /// The routing policy that chose the backend.
    case policy
    /// The typed route reason code ("privacy_kept", "fallback").
    case reason
    /// A cascade's escalation ("no", "before", "after"; "-" outside cascades).
    case escalation
    /// The kinds of personal data found ("-" when none).
    case personalData = "personal-data"
    /// The OpenAI request's `user` field.
    case user

    /// The `requests` column grouped by, quoted where SQL needs it (the SQLite and the
    /// PostgreSQL summaries share it).
    var column: String {
        switch self {
        case .key: "key_id"
        case .model: "model"
        case .tier: "tier"
        case .backend: "backend"
        case .policy: "policy"
        case .reason: "reason_code"
        case .escalation: "escalation"
        case .personalData: "personal_data"
        case .user: "\"user\""
        }
    }
}

/// Usage of one group (one key, model, tier, backend, ...) over a time range.
public struct UsageSummary: Sendable, Equatable {
    /// The group's value (model, tier, policy name...); for keys "ck-AbCd1234 (name)";
    /// "-" when the request had none (no key, not routed yet, no personal data...).
    public var group: String
    /// The key id when grouping by key.
    public var keyID: Int64?
    public var requests: Int
    /// Rows still `in_progress` (running, or the process died during them).
    public var inProgress: Int
    /// Rows that ended other than `ok` (error, cancelled, disconnected, backend_failed).
    public var errors: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    /// Over rows with a time to first token.
    public var averageTimeToFirstTokenMs: Double?
    /// Nearest-rank percentiles over rows with a time to first token.
    public var p50TimeToFirstTokenMs: Double?
    public var p95TimeToFirstTokenMs: Double?
    public var averageTotalMs: Double?

    public init(
        group: String, keyID: Int64? = nil, requests: Int, inProgress: Int, errors: Int,
        promptTokens: Int, completionTokens: Int, cachedTokens: Int,
        averageTimeToFirstTokenMs: Double?, p50TimeToFirstTokenMs: Double?,
        p95TimeToFirstTokenMs: Double?, averageTotalMs: Double?
    ) {
        self.group = group
        self.keyID = keyID
        self.requests = requests
        self.inProgress = inProgress
        self.errors = errors
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.averageTimeToFirstTokenMs = averageTimeToFirstTokenMs
        self.p50TimeToFirstTokenMs = p50TimeToFirstTokenMs
        self.p95TimeToFirstTokenMs = p95TimeToFirstTokenMs
        self.averageTotalMs = averageTotalMs
    }
}
