/// `choices[].logprobs` of a chat completion: `{"content": [{token, logprob, bytes, top_logprobs}]}`.
public struct ChatLogprobs: Codable, Sendable, Equatable {
    public var content: [ChatTokenLogprob]?

    public init(content: [ChatTokenLogprob]?) { self.content = content }

    /// Built from the engine's entries; `topLogprobs` alternatives kept per token.
    public init(_ entries: [LogprobEntry], topLogprobs: Int) {
        content = entries.map { ChatTokenLogprob($0, topLogprobs: topLogprobs) }
    }
}

/// One generated token with its log probability and the most likely alternatives.
public struct ChatTokenLogprob: Codable, Sendable, Equatable {
    public var token: String
    public var logprob: Double
    /// UTF-8 bytes of the token (tokens may split a character).
    public var bytes: [UInt8]?
    public var topLogprobs: [ChatTopLogprob]

    public init(token: String, logprob: Double, bytes: [UInt8]?, topLogprobs: [ChatTopLogprob]) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
        self.topLogprobs = topLogprobs
    }

    public init(_ entry: LogprobEntry, topLogprobs: Int) {
        self.init(token: entry.token.text, logprob: entry.token.wireLogprob, bytes: entry.token.bytes,
                  topLogprobs: entry.alternatives.prefix(topLogprobs).map {
                      ChatTopLogprob(token: $0.text, logprob: $0.wireLogprob, bytes: $0.bytes)
                  })
    }

    private enum CodingKeys: String, CodingKey {
        case token, logprob, bytes
        case topLogprobs = "top_logprobs"
    }
}

/// An alternative token at one position.
public struct ChatTopLogprob: Codable, Sendable, Equatable {
    public var token: String
    public var logprob: Double
    public var bytes: [UInt8]?

    public init(token: String, logprob: Double, bytes: [UInt8]?) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }
}
