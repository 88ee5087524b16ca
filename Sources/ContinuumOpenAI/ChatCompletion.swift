/// The response of a non-streaming `POST /v1/chat/completions`.
public struct ChatCompletion: Codable, Sendable, Equatable {
    public var id: String
    /// Always `chat.completion`.
    public var object: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String?
    public var choices: [Choice]
    public var usage: Usage?

    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: Message
        public var logprobs: ChatLogprobs?
        public var finishReason: OpenAIFinishReason
        /// `stop_reason`: the stop string that ended the choice (vLLM's extension); omitted otherwise.
        public var stopReason: String?

        public init(index: Int, message: Message, logprobs: ChatLogprobs? = nil, finishReason: OpenAIFinishReason, stopReason: String? = nil) {
            self.index = index
            self.message = message
            self.logprobs = logprobs
            self.finishReason = finishReason
            self.stopReason = stopReason
        }

        private enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason", stopReason = "stop_reason"
        }
    }

    /// The assistant's answer.
    public struct Message: Codable, Sendable, Equatable {
        /// Always `assistant`.
        public var role: ChatRole
        public var content: String?
        /// The tools it called; omitted when none.
        public var toolCalls: [ToolCall]?

        public init(content: String?, toolCalls: [ToolCall]? = nil) {
            self.role = .assistant
            self.content = content
            self.toolCalls = toolCalls
        }

        private enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encode(content, forKey: .content)  // null, not omitted, when there are only tool calls
            try c.encodeIfPresent(toolCalls, forKey: .toolCalls)
        }
    }

    public init(id: String, created: Int, model: String, systemFingerprint: String? = nil, choices: [Choice],
                usage: Usage?) {
        self.id = id
        self.object = "chat.completion"
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
    }

    /// A one-choice completion from what the engine produced.
    public init(_ metadata: ResponseMetadata, text: String?, toolCalls: [ToolCall]? = nil, finishReason: OpenAIFinishReason,
                usage: Usage, logprobs: ChatLogprobs? = nil) {
        self.init(id: metadata.id, created: metadata.created, model: metadata.model,
                  systemFingerprint: metadata.systemFingerprint,
                  choices: [Choice(index: 0, message: Message(content: text, toolCalls: toolCalls), logprobs: logprobs,
                                   finishReason: finishReason)],
                  usage: usage)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}
