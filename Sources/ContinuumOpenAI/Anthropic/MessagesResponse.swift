import Foundation

/// Anthropic's `message` object: the answer of a non-streaming `POST /v1/messages`, and
/// (with empty content) the `message` of a stream's `message_start` event.
public struct MessagesResponse: Encodable, Sendable, Equatable {
    public var id: String
    public var model: String
    public var content: [ContentBlock]
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use` or `refusal`; nil while streaming.
    public var stopReason: String?
    /// The stop sequence that ended the answer, when `stopReason` is `stop_sequence`.
    public var stopSequence: String?
    public var usage: MessagesUsage

    public init(id: String, model: String, content: [ContentBlock], stopReason: String?, stopSequence: String? = nil, usage: MessagesUsage) {
        self.id = id
        self.model = model
        self.content = content
        self.stopReason = stopReason
        self.stopSequence = stopSequence
        self.usage = usage
    }

    /// A block of the answer.
    public enum ContentBlock: Encodable, Sendable, Equatable {
        case text(String)
        /// A call; `input` is the arguments' JSON object as text, sent as an object.
        case toolUse(id: String, name: String, input: String)

        private enum CodingKeys: String, CodingKey { case type, text, id, name, input }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let t):
                try c.encode("text", forKey: .type)
                try c.encode(t, forKey: .text)
            case .toolUse(let id, let name, let input):
                try c.encode("tool_use", forKey: .type)
                try c.encode(id, forKey: .id)
                try c.encode(name, forKey: .name)
                try c.encode(JSONText(text: input), forKey: .input)
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, type, role, model, content, stopReason = "stop_reason", stopSequence = "stop_sequence", usage
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode("message", forKey: .type)
        try c.encode("assistant", forKey: .role)
        try c.encode(model, forKey: .model)
        try c.encode(content, forKey: .content)
        try c.encode(stopReason, forKey: .stopReason)  // null, not omitted, as Anthropic sends them
        try c.encode(stopSequence, forKey: .stopSequence)
        try c.encode(usage, forKey: .usage)
    }
}

/// `usage` of a message: tokens read and written.
public struct MessagesUsage: Encodable, Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    private enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
}
