/// Why a generation ended (OpenAI's `finish_reason`).
public enum FinishReason: String, Sendable, Codable {
    /// An end-of-turn token or a stop string.
    case stop
    /// `maxTokens` or the context length was reached.
    case length
    /// The caller asked to stop.
    case cancelled
}

/// One generated token and the text it completes (may be empty while a multi-byte
/// character or a possible stop string is held back).
public struct GenerationEvent: Sendable {
    public var token: SampledToken
    public var text: String
}

/// Counts and timings of one generation.
public struct GenerationResult: Sendable {
    public var text: String
    public var tokens: [Int32]
    public var finishReason: FinishReason
    public var promptTokens: Int
    /// Prompt tokens whose keys and values were already cached and skipped.
    public var cachedPromptTokens: Int
    public var completionTokens: Int { tokens.count }
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// The stop string that ended the generation (`finishReason` is then `stop`), if one did.
    public var stopSequence: String? = nil
}
