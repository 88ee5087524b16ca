/// The sampling fields that chat and legacy completions requests share. They sit at the top
/// level of the JSON body (the request types flatten this struct into their own object).
/// Every field is optional: nil means the client did not send it and the backend's default
/// applies. `top_k`, `min_p` and `repetition_penalty` are Continuum extensions (also
/// understood by vLLM and llama.cpp's server).
public struct SamplingOptions: Codable, Sendable, Equatable {
    /// `max_tokens`: upper bound on generated tokens.
    public var maxTokens: Int?
    /// `0...2`; 0 is greedy.
    public var temperature: Double?
    /// `(0, 1]`.
    public var topP: Double?
    /// Number of choices; only 1 is supported.
    public var n: Int?
    public var seed: Int64?
    /// At most 4 non-empty strings (sent as a string or an array).
    public var stop: [String]?
    /// `-2...2`.
    public var frequencyPenalty: Double?
    /// `-2...2`.
    public var presencePenalty: Double?
    /// `>= 0`, 0 disables.
    public var topK: Int?
    /// `0...1`, 0 disables.
    public var minP: Double?
    /// `> 0`, 1 disables.
    public var repetitionPenalty: Double?

    public init(maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil, n: Int? = nil,
                seed: Int64? = nil, stop: [String]? = nil, frequencyPenalty: Double? = nil,
                presencePenalty: Double? = nil, topK: Int? = nil, minP: Double? = nil,
                repetitionPenalty: Double? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.n = n
        self.seed = seed
        self.stop = stop
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.topK = topK
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
    }

    /// The top-level keys sampling options are read from.
    static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxTokens = "max_tokens", temperature, topP = "top_p", n, seed, stop
        case frequencyPenalty = "frequency_penalty", presencePenalty = "presence_penalty"
        case topK = "top_k", minP = "min_p", repetitionPenalty = "repetition_penalty"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxTokens = try c.decodeIntegerIfPresent(Int.self, forKey: .maxTokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        n = try c.decodeIntegerIfPresent(Int.self, forKey: .n)
        seed = try c.decodeIntegerIfPresent(Int64.self, forKey: .seed)
        stop = try c.decodeStringsIfPresent(forKey: .stop)
        frequencyPenalty = try c.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        presencePenalty = try c.decodeIfPresent(Double.self, forKey: .presencePenalty)
        topK = try c.decodeIntegerIfPresent(Int.self, forKey: .topK)
        minP = try c.decodeIfPresent(Double.self, forKey: .minP)
        repetitionPenalty = try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
    }
}
