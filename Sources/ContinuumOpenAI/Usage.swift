/// Token counts of one request, as in OpenAI's `usage`.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var promptTokensDetails: PromptTokensDetails?
    public var completionTokensDetails: CompletionTokensDetails?

    /// `prompt_tokens_details.cached_tokens`: prompt tokens served from the prefix cache.
    public struct PromptTokensDetails: Codable, Sendable, Equatable {
        public var cachedTokens: Int?
        public init(cachedTokens: Int?) { self.cachedTokens = cachedTokens }
        private enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }

    /// `completion_tokens_details.reasoning_tokens`: generated tokens spent thinking.
    public struct CompletionTokensDetails: Codable, Sendable, Equatable {
        public var reasoningTokens: Int?
        public init(reasoningTokens: Int?) { self.reasoningTokens = reasoningTokens }
        private enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
    }

    /// Counts with both details objects present (as OpenAI sends them), `total_tokens`
    /// computed.
    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        self.promptTokensDetails = .init(cachedTokens: cachedTokens)
        self.completionTokensDetails = .init(reasoningTokens: reasoningTokens)
    }

    /// Cached prompt tokens, 0 when not reported.
    public var cachedTokens: Int { promptTokensDetails?.cachedTokens ?? 0 }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details", completionTokensDetails = "completion_tokens_details"
    }
}
