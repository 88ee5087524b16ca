/// Why a choice ended, as OpenAI spells it (`finish_reason`). Named apart from the engine's
/// `FinishReason`, which the gateway maps onto this. An open set, so that responses relayed from
/// other servers decode whatever they say.
public struct OpenAIFinishReason: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// A natural end (end-of-turn token) or a stop sequence.
    public static let stop = OpenAIFinishReason(rawValue: "stop")
    /// `max_tokens` or the context length was reached.
    public static let length = OpenAIFinishReason(rawValue: "length")
    public static let toolCalls = OpenAIFinishReason(rawValue: "tool_calls")
    public static let contentFilter = OpenAIFinishReason(rawValue: "content_filter")

    public var description: String { rawValue }
}
