/// The API a remote backend speaks. An `anthropic` backend answers only Messages requests
/// (`POST /v1/messages`), whose body it gets as the client sent it (model name and the
/// budget's `max_tokens` bound aside); chat and text completions are not routed to it.
public enum UpstreamAPI: String, Sendable, Equatable {
    /// `/chat/completions`, `/completions`; `Authorization: Bearer`.
    case openAI = "openai"
    /// `/messages`; `x-api-key` and `anthropic-version`.
    case anthropic

    /// The `anthropic-version` header sent upstream.
    static let anthropicVersion = "2023-06-01"
}
