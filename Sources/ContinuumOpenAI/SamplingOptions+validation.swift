extension SamplingOptions {
    /// Most stop sequences a request may carry (OpenAI's limit).
    public static let maxStopSequences = 4

    /// Most choices one request may ask for (OpenAI's limit).
    public static let maxChoices = 128

    /// Checks ranges; throws an `invalid_value` error naming the field. `n` > 1 is valid
    /// here: a remote backend may honour it; a local engine refuses it when routing.
    public func validate() throws(OpenAIError) {
        try Self.check(maxTokens, "max_tokens", atLeast: 1)
        try Self.checkTokenLimit(maxTokens, "max_tokens")
        try Self.check(temperature, "temperature", in: 0...2)
        if let topP, !(topP > 0 && topP <= 1) {
            throw .invalidValue(param: "top_p", "must be greater than 0 and at most 1, got \(Self.format(topP))")
        }
        if let n {
            if n < 1 { throw .invalidValue(param: "n", "must be at least 1, got \(n)") }
            if n > Self.maxChoices { throw .invalidValue(param: "n", "must be at most \(Self.maxChoices), got \(n)") }
        }
        if let stop {
            if stop.count > Self.maxStopSequences {
                throw .invalidValue(param: "stop", "at most \(Self.maxStopSequences) stop sequences are allowed, got \(stop.count)")
            }
            if let i = stop.firstIndex(where: \.isEmpty) {
                throw .invalidValue(param: "stop[\(i)]", "stop sequences must not be empty")
            }
        }
        try Self.check(frequencyPenalty, "frequency_penalty", in: -2...2)
        try Self.check(presencePenalty, "presence_penalty", in: -2...2)
        try Self.check(topK, "top_k", atLeast: 0)
        try Self.checkTokenLimit(topK, "top_k")
        try Self.check(minP, "min_p", in: 0...1)
        if let repetitionPenalty, !(repetitionPenalty.isFinite && repetitionPenalty > 0) {
            throw .invalidValue(param: "repetition_penalty", "must be greater than 0, got \(Self.format(repetitionPenalty))")
        }
    }

    static func check(_ value: Double?, _ param: String, in range: ClosedRange<Double>) throws(OpenAIError) {
        guard let value, !range.contains(value) else { return }
        throw .invalidValue(param: param, "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(format(value))")
    }

    /// Most tokens a request may ask for (and largest `top_k`): an `Int32`, as in llama.cpp (a
    /// bigger number is a client's mistake, and budget arithmetic on it could overflow).
    public static let maxTokenLimit = Int(Int32.max)

    static func checkTokenLimit(_ value: Int?, _ param: String) throws(OpenAIError) {
        guard let value, value > maxTokenLimit else { return }
        throw .invalidValue(param: param, "must be at most \(maxTokenLimit), got \(value)")
    }

    static func check(_ value: Int?, _ param: String, atLeast minimum: Int) throws(OpenAIError) {
        guard let value, value < minimum else { return }
        throw .invalidValue(param: param, "must be at least \(minimum), got \(value)")
    }

    static func check(_ value: Int?, _ param: String, in range: ClosedRange<Int>) throws(OpenAIError) {
        guard let value, !range.contains(value) else { return }
        throw .invalidValue(param: param, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
    }

    /// `2` rather than `2.0` in messages.
    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
