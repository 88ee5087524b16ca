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

        public init(index: Int, message: Message, logprobs: ChatLogprobs? = nil, finishReason: OpenAIFinishReason) {
            self.index = index
            self.message = message
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }
    }

    /// The assistant's answer.
    public struct Message: Codable, Sendable, Equatable {
        /// Always `assistant`.
        public var role: ChatRole
        public var content: String?

        public init(content: String?) {
            self.role = .assistant
            self.content = content
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
    public init(_ metadata: ResponseMetadata, text: String, finishReason: OpenAIFinishReason, usage: Usage,
                logprobs: ChatLogprobs? = nil) {
        self.init(id: metadata.id, created: metadata.created, model: metadata.model,
                  systemFingerprint: metadata.systemFingerprint,
                  choices: [Choice(index: 0, message: Message(content: text), logprobs: logprobs, finishReason: finishReason)],
                  usage: usage)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}
