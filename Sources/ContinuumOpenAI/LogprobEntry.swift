/// Engine-side facts about one sampled token, from which both logprobs forms are built:
/// the token's bytes and log probability, and the most likely alternatives at its position.
public struct LogprobEntry: Sendable, Equatable {
    public var token: LogprobCandidate
    /// Most likely first; may include the sampled token itself.
    public var alternatives: [LogprobCandidate]

    public init(token: LogprobCandidate, alternatives: [LogprobCandidate] = []) {
        self.token = token
        self.alternatives = alternatives
    }
}

/// A token's bytes (a token may be part of a UTF-8 character) and its log probability.
public struct LogprobCandidate: Sendable, Equatable {
    public var bytes: [UInt8]
    public var logprob: Double

    public init(bytes: [UInt8], logprob: Double) {
        self.bytes = bytes
        self.logprob = logprob
    }

    public init(text: String, logprob: Double) {
        self.init(bytes: Array(text.utf8), logprob: logprob)
    }

    /// The bytes as text; an incomplete UTF-8 sequence shows as U+FFFD, as OpenAI does.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// JSON has no infinities: an impossible token is reported as -9999, as OpenAI does.
    var wireLogprob: Double { logprob.isFinite ? max(logprob, -9999) : -9999 }
}
