/// One `data:` event of a streaming chat completion. A stream is, in order: a ``role(_:)``
/// chunk, ``content(_:_:logprobs:)`` chunks, a ``finish(_:_:)`` chunk, and when the request
/// set `stream_options.include_usage`, a ``usage(_:_:)`` chunk with no choices; then
/// `data: [DONE]`. All chunks of a stream share one ``ResponseMetadata``.
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    public var id: String
    /// Always `chat.completion.chunk`.
    public var object: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String?
    public var choices: [Choice]
    public var usage: Usage?

    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: Delta
        public var logprobs: ChatLogprobs?
        /// Nil until the last chunk; sent as `null` (as OpenAI does), not omitted.
        public var finishReason: OpenAIFinishReason?
        /// `stop_reason`: the stop string that ended the choice (vLLM's extension); omitted otherwise.
        public var stopReason: String?

        public init(index: Int, delta: Delta, logprobs: ChatLogprobs? = nil, finishReason: OpenAIFinishReason? = nil, stopReason: String? = nil) {
            self.index = index
            self.delta = delta
            self.logprobs = logprobs
            self.finishReason = finishReason
            self.stopReason = stopReason
        }

        private enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason", stopReason = "stop_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encodeIfPresent(logprobs, forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
            try c.encodeIfPresent(stopReason, forKey: .stopReason)
        }
    }

    /// What this chunk adds to the message.
    public struct Delta: Codable, Sendable, Equatable {
        public var role: ChatRole?
        public var content: String?
        public var toolCalls: [ToolCallDelta]?

        public init(role: ChatRole? = nil, content: String? = nil, toolCalls: [ToolCallDelta]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        private enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }
    }

    public init(id: String, created: Int, model: String, systemFingerprint: String? = nil, choices: [Choice],
                usage: Usage? = nil) {
        self.id = id
        self.object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
    }

    init(_ m: ResponseMetadata, choices: [Choice], usage: Usage? = nil) {
        self.init(id: m.id, created: m.created, model: m.model, systemFingerprint: m.systemFingerprint,
                  choices: choices, usage: usage)
    }

    /// The first chunk: `delta: {"role": "assistant", "content": ""}`.
    public static func role(_ metadata: ResponseMetadata) -> ChatCompletionChunk {
        .init(metadata, choices: [Choice(index: 0, delta: Delta(role: .assistant, content: ""))])
    }

    /// A piece of generated text, with the logprobs of the tokens it came from if asked for.
    public static func content(_ metadata: ResponseMetadata, _ text: String,
                               logprobs: ChatLogprobs? = nil) -> ChatCompletionChunk {
        .init(metadata, choices: [Choice(index: 0, delta: Delta(content: text), logprobs: logprobs)])
    }

    /// Pieces of tool calls (see ``ToolCallDelta``).
    public static func toolCalls(_ metadata: ResponseMetadata, _ calls: [ToolCallDelta]) -> ChatCompletionChunk {
        .init(metadata, choices: [Choice(index: 0, delta: Delta(toolCalls: calls))])
    }

    /// The last chunk with a choice: an empty delta and the finish reason.
    public static func finish(_ metadata: ResponseMetadata, _ reason: OpenAIFinishReason) -> ChatCompletionChunk {
        .init(metadata, choices: [Choice(index: 0, delta: Delta(), finishReason: reason)])
    }

    /// The usage-only chunk (`choices: []`) sent after the finish chunk with `include_usage`.
    public static func usage(_ metadata: ResponseMetadata, _ usage: Usage) -> ChatCompletionChunk {
        .init(metadata, choices: [], usage: usage)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}
