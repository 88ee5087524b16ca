/// The body of `POST /v1/chat/completions`. Fields the server does not model (`n` > 1, image
/// parts, unknown ones, …) are listed in `forwardOnly`: remote backends get the client's bytes
/// with them, and a local engine refuses them rather than ignore them.
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
    /// `response_format`: text, any JSON object, or JSON valid against a schema.
    public var responseFormat: ResponseFormat?
    /// A GBNF grammar the output must match (llama-server's extension).
    public var grammar: String?
    public var tools: [ChatTool] = []
    public var toolChoice: ToolChoice?
    /// Whether the model may call several tools in one turn (default true, as OpenAI's).
    public var parallelToolCalls: Bool?
    /// Fields only a remote backend can honour, as request paths (`n`,
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
        case responseFormat = "response_format", grammar, tools
        case toolChoice = "tool_choice", parallelToolCalls = "parallel_tool_calls"

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
        responseFormat = try c.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        grammar = try c.decodeIfPresent(String.self, forKey: .grammar)
        tools = try c.decodeIfPresent([ChatTool].self, forKey: .tools) ?? []
        toolChoice = try c.decodeIfPresent(ToolChoice.self, forKey: .toolChoice)
        parallelToolCalls = try c.decodeIfPresent(Bool.self, forKey: .parallelToolCalls)
        var fields = try Self.unmodelledFields(decoder, modelled: Self.modelledKeys)
        if let n = sampling.n, n > 1 { fields.append("n") }
        for (i, m) in messages.enumerated() {
            if case .parts(let parts) = m.content {
                for (j, p) in parts.enumerated() where !p.isText { fields.append("messages[\(i)].content[\(j)] (\(p.type))") }
            }
        }
        forwardOnly = fields
    }

    /// OpenAI's rule for function and schema names.
    static func isValidName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    private func validateTools() throws(OpenAIError) {
        var names = Set<String>()
        for (i, t) in tools.enumerated() {
            guard Self.isValidName(t.function.name) else {
                throw .invalidValue(param: "tools[\(i)].function.name", "must be 1 to 64 letters, digits, '_' or '-', got '\(t.function.name)'")
            }
            guard names.insert(t.function.name).inserted else {
                throw .invalidValue(param: "tools[\(i)].function.name", "'\(t.function.name)' is defined twice")
            }
        }
        switch toolChoice {
        case nil, .none?: break
        case .auto?, .required?:
            if tools.isEmpty { throw .invalidValue(param: "tool_choice", "only allowed when 'tools' are given") }
        case .function(let name)?:
            if !names.contains(name) { throw .invalidValue(param: "tool_choice", "no tool named '\(name)' is in 'tools'") }
        }
        if (toolChoice == .required || { if case .function = toolChoice { return true } else { return false } }()),
           grammar != nil || (responseFormat != nil && responseFormat != .text) {
            throw .invalidValue(param: "tool_choice", "a required tool call cannot be combined with 'grammar' or a JSON 'response_format'")
        }
        for (i, m) in messages.enumerated() where m.role != .assistant && !m.toolCalls.isEmpty {
            throw .invalidValue(param: "messages[\(i)].tool_calls", "only assistant messages carry tool calls")
        }
        for (i, m) in messages.enumerated() where m.role == .tool && m.toolCallID == nil {
            throw .missingParameter("messages[\(i)].tool_call_id")
        }
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
        try c.encodeIfPresent(responseFormat, forKey: .responseFormat)
        try c.encodeIfPresent(grammar, forKey: .grammar)
        if !tools.isEmpty { try c.encode(tools, forKey: .tools) }
        try c.encodeIfPresent(toolChoice, forKey: .toolChoice)
        try c.encodeIfPresent(parallelToolCalls, forKey: .parallelToolCalls)
    }

    /// Replaces the schemas' text with the client's own bytes, so that their key order (the
    /// order properties are generated in) survives decoding.
    public mutating func attachRaw(_ raw: RawJSON) {
        guard responseFormat != nil || !tools.isEmpty else { return }
        let found = raw.rawValues { p in
            (p.count == 3 && p[0] == .key("response_format") && p[1] == .key("json_schema") && p[2] == .key("schema"))
                || (p.count == 4 && p[0] == .key("tools") && p[2] == .key("function") && p[3] == .key("parameters"))
        } ?? []
        for (path, text) in found {
            if path.count == 3, case .jsonSchema(var f)? = responseFormat, f.schema != nil {
                f.schema = text
                responseFormat = .jsonSchema(f)
            } else if path.count == 4, case .index(let i) = path[1], tools.indices.contains(i), tools[i].function.parameters != nil {
                tools[i].function.parameters = text
            }
        }
    }

    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if messages.isEmpty { throw .invalidValue(param: "messages", "must contain at least one message") }
        for (i, message) in messages.enumerated() where message.content == nil && message.role != .assistant {
            throw .missingParameter("messages[\(i)].content")
        }
        try sampling.validate()
        try SamplingOptions.check(maxCompletionTokens, "max_completion_tokens", atLeast: 1)
        try SamplingOptions.checkTokenLimit(maxCompletionTokens, "max_completion_tokens")
        if let topLogprobs {
            try SamplingOptions.check(topLogprobs, "top_logprobs", in: 0...20)
            if logprobs != true {
                throw .invalidValue(param: "top_logprobs", "'logprobs' must be true when 'top_logprobs' is set")
            }
        }
        if streamOptions != nil, stream != true {
            throw .invalidValue(param: "stream_options", "only allowed when 'stream' is true")
        }
        try validateTools()
        if grammar != nil, let f = responseFormat, f != .text {
            throw .invalidValue(param: "grammar", "give either 'grammar' or a JSON 'response_format', not both")
        }
        if case .jsonSchema(let f)? = responseFormat, !Self.isValidName(f.name) {
            throw .invalidValue(param: "response_format.json_schema.name", "must be 1 to 64 letters, digits, '_' or '-', got '\(f.name)'")
        }
    }
}
