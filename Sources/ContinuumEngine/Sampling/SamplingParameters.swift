/// How the next token is chosen from the model's logits.
///
/// The sampler chain follows llama.cpp's default order:
/// penalties → top-k → top-p → min-p → temperature → draw.
/// `temperature == 0` is greedy decoding (argmax after penalties, ties to the lowest id).
///
/// Decoding is tolerant: keys missing from JSON take their defaults. Call ``validated()``
/// before use; ``Sampler/init(parameters:vocabularySize:)`` does so itself.
public struct SamplingParameters: Sendable, Equatable, Codable {
    /// Divides the logits before the draw. `0` selects greedy decoding.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens. `0` disables.
    public var topK: Int
    /// Keep the smallest most-likely prefix whose probability mass reaches `topP`. `1` disables.
    public var topP: Float
    /// Drop tokens whose probability is below `minP` times the most likely one's. `0` disables.
    public var minP: Float
    /// Divides positive logits and multiplies negative ones of recent tokens. `1` disables.
    public var repetitionPenalty: Float
    /// Subtracted from a recent token's logit once per occurrence.
    public var frequencyPenalty: Float
    /// Subtracted from a recent token's logit once if it occurred at all.
    public var presencePenalty: Float
    /// How many of the most recent tokens (prompt and generated) the penalties look at. `0` disables.
    public var penaltyLastN: Int
    /// Seed of the draw. The same seed, parameters and logits give the same tokens on every
    /// platform. `nil` picks a random seed (see ``Sampler/seed``).
    public var seed: UInt64?
    /// Upper bound on generated tokens, enforced by the generation loop. `nil` means no bound.
    public var maxTokens: Int?
    /// Generation ends before the first occurrence of any of these strings (see ``StopStringMatcher``).
    public var stop: [String]
    /// How many most likely alternatives to report with each token, `0...20`.
    public var topLogprobs: Int

    /// Largest accepted ``topLogprobs`` (the OpenAI API's limit).
    public static let maxTopLogprobs = 20

    public init(
        temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
        repetitionPenalty: Float = 1.0, frequencyPenalty: Float = 0, presencePenalty: Float = 0,
        penaltyLastN: Int = 64, seed: UInt64? = nil, maxTokens: Int? = nil,
        stop: [String] = [], topLogprobs: Int = 0
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyLastN = penaltyLastN
        self.seed = seed
        self.maxTokens = maxTokens
        self.stop = stop
        self.topLogprobs = topLogprobs
    }

    /// Argmax decoding: temperature 0, everything else at its default (penalties off).
    public static let greedy = SamplingParameters(temperature: 0)

    enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty
        case penaltyLastN, seed, maxTokens, stop, topLogprobs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplingParameters()
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        minP = try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP
        repetitionPenalty = try c.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? d.repetitionPenalty
        frequencyPenalty = try c.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? d.frequencyPenalty
        presencePenalty = try c.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? d.presencePenalty
        penaltyLastN = try c.decodeIfPresent(Int.self, forKey: .penaltyLastN) ?? d.penaltyLastN
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? d.stop
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs) ?? d.topLogprobs
    }
}
