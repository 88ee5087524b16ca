/// The body of `POST /v1/chat/completions`. Fields the server does not model (`tools`,
/// `response_format`, unknown ones, …) are listed in `forwardOnly`: remote backends get the
/// client's bytes with them, and a local engine refuses them rather than ignore them.
public struct ChatCompletionRequest: OpenAIRequest, Equatable {
    public var model: String
    public var messages: [Message]
    /// Sampling fields shared with legacy completions, flattened into the top-level object.
    public var sampling: SamplingOptions
    /// `max_completion_tokens`, the newer name of `max_tokens`.
    public var maxCompletionTokens: Int?
    /// Return the sampled tokens' log probabilities.
    public var logprobs: Bool?
    /// `0...20` alternatives per token; needs `logprobs: true`.
    public var topLogprobs: Int?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    /// The end user's id, for abuse monitoring and the ledger.
    public var user: String?
    /// Fields only a remote backend can honour, as request paths (`tools`, `n`,
    /// `messages[1].content[0]` for an image part, …), sorted; empty for a plain request.
    public var forwardOnly: [String] = []

    public init(model: String, messages: [Message], sampling: SamplingOptions = .init(),
                maxCompletionTokens: Int? = nil, logprobs: Bool? = nil, topLogprobs: Int? = nil,
                stream: Bool? = nil, streamOptions: StreamOptions? = nil, user: String? = nil) {
        self.model = model
        self.messages = messages
        self.sampling = sampling
        self.maxCompletionTokens = maxCompletionTokens
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.stream = stream
        self.streamOptions = streamOptions
        self.user = user
    }

    /// The bound on generated tokens: the smaller of `max_completion_tokens` and `max_tokens`.
    public var maxTokens: Int? {
        switch (maxCompletionTokens, sampling.maxTokens) {
        case let (a?, b?): min(a, b)
        case let (a, b): a ?? b
        }
    }

    /// Alternatives to report per token: `top_logprobs` if `logprobs` is on, else none.
    public var logprobsCount: Int? { logprobs == true ? (topLogprobs ?? 0) : nil }

    public var isStreaming: Bool { stream == true }

    /// Whether a streaming response ends with a usage-only chunk.
    public var includeUsage: Bool { isStreaming && streamOptions?.includeUsage == true }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, messages, logprobs, stream, user
        case maxCompletionTokens = "max_completion_tokens", topLogprobs = "top_logprobs"
        case streamOptions = "stream_options"

        static var allKeys: [String] { allCases.map(\.rawValue) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        messages = try c.decode([Message].self, forKey: .messages)
        sampling = try SamplingOptions(from: decoder)
        maxCompletionTokens = try c.decodeIntegerIfPresent(Int.self, forKey: .maxCompletionTokens)
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try c.decodeIntegerIfPresent(Int.self, forKey: .topLogprobs)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        var fields = try Self.unmodelledFields(decoder, modelled: Self.modelledKeys)
        if let n = sampling.n, n > 1 { fields.append("n") }
        for (i, m) in messages.enumerated() {
            if m.hasToolCalls { fields.append("messages[\(i)].tool_calls") }
            if case .parts(let parts) = m.content {
                for (j, p) in parts.enumerated() where !p.isText { fields.append("messages[\(i)].content[\(j)] (\(p.type))") }
            }
        }
        forwardOnly = fields
    }

    /// Top-level keys this type decodes (the rest go to `forwardOnly`).
    static let modelledKeys: Set<String> = Set(CodingKeys.allKeys + SamplingOptions.keys)

    public func encode(to encoder: any Encoder) throws {
        try sampling.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encodeIfPresent(maxCompletionTokens, forKey: .maxCompletionTokens)
        try c.encodeIfPresent(logprobs, forKey: .logprobs)
        try c.encodeIfPresent(topLogprobs, forKey: .topLogprobs)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encodeIfPresent(streamOptions, forKey: .streamOptions)
        try c.encodeIfPresent(user, forKey: .user)
    }

    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if messages.isEmpty { throw .invalidValue(param: "messages", "must contain at least one message") }
        for (i, message) in messages.enumerated() where message.content == nil && message.role != .assistant {
            throw .missingParameter("messages[\(i)].content")
        }
        try sampling.validate()
        try SamplingOptions.check(maxCompletionTokens, "max_completion_tokens", atLeast: 1)
        if let topLogprobs {
            try SamplingOptions.check(topLogprobs, "top_logprobs", in: 0...20)
            if logprobs != true {
                throw .invalidValue(param: "top_logprobs", "'logprobs' must be true when 'top_logprobs' is set")
            }
        }
        if streamOptions != nil, stream != true {
            throw .invalidValue(param: "stream_options", "only allowed when 'stream' is true")
        }
    }
}
