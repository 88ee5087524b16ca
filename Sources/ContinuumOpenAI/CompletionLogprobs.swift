/// `choices[].logprobs` of a legacy completion: parallel arrays `tokens`, `token_logprobs`,
/// `top_logprobs` (one object per token mapping alternative text to logprob) and
/// `text_offset` (where each token starts, in Unicode scalars).
public struct CompletionLogprobs: Codable, Sendable, Equatable {
    public var tokens: [String]
    public var tokenLogprobs: [Double]
    public var topLogprobs: [[String: Double]]?
    public var textOffset: [Int]

    public init(tokens: [String], tokenLogprobs: [Double], topLogprobs: [[String: Double]]?, textOffset: [Int]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }

    /// Built from the engine's entries. `logprobs` is the request's count of alternatives;
    /// `textOffset` is where the first token starts (for a stream: the text sent so far).
    /// Alternatives whose text coincides keep the larger logprob.
    public init(_ entries: [LogprobEntry], logprobs: Int, textOffset: Int = 0) {
        var offset = textOffset
        tokens = []
        tokenLogprobs = []
        self.textOffset = []
        var top: [[String: Double]] = []
        for entry in entries {
            let text = entry.token.text
            tokens.append(text)
            tokenLogprobs.append(entry.token.wireLogprob)
            self.textOffset.append(offset)
            offset += text.unicodeScalars.count
            top.append(Dictionary(entry.alternatives.prefix(logprobs).map { ($0.text, $0.wireLogprob) },
                                  uniquingKeysWith: max))
        }
        topLogprobs = top
    }

    private enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }
}
