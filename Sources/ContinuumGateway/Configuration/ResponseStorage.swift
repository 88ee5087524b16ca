/// Whether `POST /v1/responses` keeps its answers (for `previous_response_id` and
/// `GET /v1/responses/{id}`) and for how long. As OpenAI: stored by default, for 30 days.
/// Storing needs the ledger: a gateway without one stores nothing.
public struct ResponseStorage: Sendable, Equatable {
    /// Whether responses are stored unless a request says `store: false`.
    public var enabled: Bool
    /// Days a stored response is kept.
    public var retentionDays: Double

    public init(enabled: Bool = true, retentionDays: Double = 30) {
        self.enabled = enabled
        self.retentionDays = retentionDays
    }

    /// How long a stored response is kept.
    public var retention: Double { retentionDays * 86_400 }
}
