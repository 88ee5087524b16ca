/// Why a choice ended, as OpenAI spells it. An open set, so that responses relayed from
/// other servers decode whatever they say.
public struct FinishReason: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
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
    public static let stop = FinishReason(rawValue: "stop")
    /// `max_tokens` or the context length was reached.
    public static let length = FinishReason(rawValue: "length")
    public static let toolCalls = FinishReason(rawValue: "tool_calls")
    public static let contentFilter = FinishReason(rawValue: "content_filter")

    public var description: String { rawValue }
}
