/// The response of the legacy `POST /v1/completions`, and (with `finish_reason` null until
/// the last one) each chunk of its stream: ``chunk(_:text:logprobs:finishReason:)`` per
/// piece of text, then ``usage(_:_:)`` with `include_usage`, then `data: [DONE]`.
public struct Completion: Codable, Sendable, Equatable {
    public var id: String
    /// Always `text_completion`, streaming or not.
    public var object: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String?
    public var choices: [Choice]
    public var usage: Usage?

    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var text: String
        public var logprobs: CompletionLogprobs?
        /// Nil in stream chunks before the last; sent as `null`, not omitted.
        public var finishReason: OpenAIFinishReason?

        public init(index: Int, text: String, logprobs: CompletionLogprobs? = nil, finishReason: OpenAIFinishReason?) {
            self.index = index
            self.text = text
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(text, forKey: .text)
            try c.encodeIfPresent(logprobs, forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
        }
    }

    public init(id: String, created: Int, model: String, systemFingerprint: String? = nil, choices: [Choice],
                usage: Usage? = nil) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
    }

    /// A one-choice completion from what the engine produced.
    public init(_ metadata: ResponseMetadata, text: String, finishReason: OpenAIFinishReason, usage: Usage,
                logprobs: CompletionLogprobs? = nil) {
        self.init(id: metadata.id, created: metadata.created, model: metadata.model,
                  systemFingerprint: metadata.systemFingerprint,
                  choices: [Choice(index: 0, text: text, logprobs: logprobs, finishReason: finishReason)], usage: usage)
    }

    /// A stream chunk: a piece of text; `finishReason` set on the last one (whose text may be empty).
    public static func chunk(_ m: ResponseMetadata, text: String, logprobs: CompletionLogprobs? = nil,
                             finishReason: OpenAIFinishReason? = nil) -> Completion {
        .init(id: m.id, created: m.created, model: m.model, systemFingerprint: m.systemFingerprint,
              choices: [Choice(index: 0, text: text, logprobs: logprobs, finishReason: finishReason)])
    }

    /// The usage-only stream chunk (`choices: []`) sent last with `include_usage`.
    public static func usage(_ m: ResponseMetadata, _ usage: Usage) -> Completion {
        .init(id: m.id, created: m.created, model: m.model, systemFingerprint: m.systemFingerprint, choices: [],
              usage: usage)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}
