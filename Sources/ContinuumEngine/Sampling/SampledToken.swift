/// A token id with its log-probability under the model's distribution.
public struct TokenLogprob: Sendable, Equatable {
    public var id: Int32
    public var logprob: Float

    public init(id: Int32, logprob: Float) {
        self.id = id
        self.logprob = logprob
    }
}

/// One token chosen by a ``Sampler``.
///
/// Log-probabilities describe the *model's* distribution: the log-softmax of the raw logits,
/// before penalties, truncation (top-k/top-p/min-p) and temperature — like the OpenAI API's
/// `logprobs`. So a token can be chosen whose `logprob` is low, and greedy decoding still
/// reports values below zero.
public struct SampledToken: Sendable, Equatable {
    /// The chosen token.
    public var id: Int32
    /// log p(id) under the model's distribution.
    public var logprob: Float
    /// The ``SamplingParameters/topLogprobs`` most likely tokens, most likely first (ties: lowest
    /// id first). Empty when `topLogprobs == 0`; that is the only case that allocates nothing.
    public var top: [TokenLogprob]

    public init(id: Int32, logprob: Float, top: [TokenLogprob] = []) {
        self.id = id
        self.logprob = logprob
        self.top = top
    }
}
