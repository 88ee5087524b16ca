/// The body of the legacy `POST /v1/completions`.
public struct CompletionRequest: OpenAIRequest, Equatable {
    /// Largest `logprobs` the legacy API accepts.
    public static let maxLogprobs = 5

    public var model: String
    public var prompt: CompletionPrompt
    /// Sampling fields shared with chat, flattened into the top-level object.
    public var sampling: SamplingOptions
    /// Legacy form: how many alternatives (`0...5`) to report per token; nil for none.
    public var logprobs: Int?
    /// Only `false` is supported.
    public var echo: Bool?
    /// Only 1 is supported.
    public var bestOf: Int?
    /// Text after the completion (insertion); not supported, rejected when non-empty.
    public var suffix: String?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var user: String?
    /// A GBNF grammar the output must match (llama-server's extension).
    public var grammar: String?
    /// `response_format` (json_object / json_schema), as in chat completions.
    public var responseFormat: ResponseFormat?
    /// Whether control tokens written in a text prompt (`<|im_start|>`) become their ids, as
    /// llama-server and vLLM do (default true); false tokenizes them as plain text.
    public var parseSpecial: Bool?
    /// Fields only a remote backend can honour (unknown ones, `n` > 1), sorted.
    public var forwardOnly: [String] = []

    public init(model: String, prompt: CompletionPrompt, sampling: SamplingOptions = .init(), logprobs: Int? = nil,
                echo: Bool? = nil, bestOf: Int? = nil, suffix: String? = nil, stream: Bool? = nil,
                streamOptions: StreamOptions? = nil, user: String? = nil) {
        self.model = model
        self.prompt = prompt
        self.sampling = sampling
        self.logprobs = logprobs
        self.echo = echo
        self.bestOf = bestOf
        self.suffix = suffix
        self.stream = stream
        self.streamOptions = streamOptions
        self.user = user
    }

    public var isStreaming: Bool { stream == true }

    /// Whether a streaming response ends with a usage-only chunk.
    public var includeUsage: Bool { isStreaming && streamOptions?.includeUsage == true }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, prompt, logprobs, echo, suffix, stream, user
        case bestOf = "best_of", streamOptions = "stream_options"
        case grammar, responseFormat = "response_format", parseSpecial = "parse_special"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        prompt = try c.decode(CompletionPrompt.self, forKey: .prompt)
        sampling = try SamplingOptions(from: decoder)
        logprobs = try c.decodeIntegerIfPresent(Int.self, forKey: .logprobs)
        echo = try c.decodeIfPresent(Bool.self, forKey: .echo)
        bestOf = try c.decodeIntegerIfPresent(Int.self, forKey: .bestOf)
        suffix = try c.decodeIfPresent(String.self, forKey: .suffix)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        grammar = try c.decodeIfPresent(String.self, forKey: .grammar)
        responseFormat = try c.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        parseSpecial = try c.decodeIfPresent(Bool.self, forKey: .parseSpecial)
        var fields = try Self.unmodelledFields(decoder, modelled: Set(CodingKeys.allCases.map(\.rawValue) + SamplingOptions.keys))
        if let n = sampling.n, n > 1 { fields.append("n") }
        forwardOnly = fields
    }

    public func encode(to encoder: any Encoder) throws {
        try sampling.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(prompt, forKey: .prompt)
        try c.encodeIfPresent(logprobs, forKey: .logprobs)
        try c.encodeIfPresent(echo, forKey: .echo)
        try c.encodeIfPresent(bestOf, forKey: .bestOf)
        try c.encodeIfPresent(suffix, forKey: .suffix)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encodeIfPresent(streamOptions, forKey: .streamOptions)
        try c.encodeIfPresent(user, forKey: .user)
        try c.encodeIfPresent(grammar, forKey: .grammar)
        try c.encodeIfPresent(responseFormat, forKey: .responseFormat)
        try c.encodeIfPresent(parseSpecial, forKey: .parseSpecial)
    }

    /// Keeps the schema's key order from the client's bytes.
    public mutating func attachRaw(_ raw: RawJSON) {
        guard case .jsonSchema(var f)? = responseFormat, f.schema != nil,
              let text = raw.rawValues(where: { p in
                  p.count == 3 && p[0] == .key("response_format") && p[1] == .key("json_schema") && p[2] == .key("schema")
              })?.first?.text else { return }
        f.schema = text
        responseFormat = .jsonSchema(f)
    }

    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if case .tokens(let t) = prompt, t.isEmpty { throw .invalidValue(param: "prompt", "must not be empty") }
        try sampling.validate()
        try SamplingOptions.check(logprobs, "logprobs", in: 0...Self.maxLogprobs)
        if echo == true { throw .unsupportedValue(param: "echo", "only false is supported") }
        if let bestOf, bestOf != 1 { throw .unsupportedValue(param: "best_of", "only 1 is supported, got \(bestOf)") }
        if let suffix, !suffix.isEmpty { throw .unsupportedValue(param: "suffix", "insertion is not supported") }
        if streamOptions != nil, stream != true {
            throw .invalidValue(param: "stream_options", "only allowed when 'stream' is true")
        }
        if grammar != nil, let f = responseFormat, f != .text {
            throw .invalidValue(param: "grammar", "give either 'grammar' or a JSON 'response_format', not both")
        }
    }
}
