import ContinuumEngine
import ContinuumOpenAI

/// What one OpenAI request asks the engine for, after validation: prompt tokens,
/// sampling, and how to answer (stream, usage, logprobs).
struct GenerationPlan: Sendable {
    var prompt: [Int32]
    var parameters: SamplingParameters
    var stream: Bool
    var includeUsage: Bool
    /// nil: no logprobs; otherwise how many alternatives per token.
    var logprobs: Int?
    /// The grammar the output must follow, if the request asked for one.
    var constraint: OutputConstraint? = nil
    /// Read tool calls out of the answer, naming these functions (nil: no tools).
    var toolFunctions: Set<String>? = nil
    /// `parallel_tool_calls: false`: calls after the first are dropped (with `required` the
    /// grammar already allows one only).
    var singleToolCall = false

    /// OpenAI's defaults (temperature 1, top_p 1, no top-k or min-p), then the request's fields.
    static func parameters(_ s: SamplingOptions, maxTokens: Int?, topLogprobs: Int?) -> SamplingParameters {
        var p = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0)
        if let t = s.temperature { p.temperature = Float(t) }
        if let t = s.topP { p.topP = Float(t) }
        if let k = s.topK { p.topK = k }
        if let m = s.minP { p.minP = Float(m) }
        if let r = s.repetitionPenalty { p.repetitionPenalty = Float(r) }
        if let f = s.frequencyPenalty { p.frequencyPenalty = Float(f) }
        if let pr = s.presencePenalty { p.presencePenalty = Float(pr) }
        if let seed = s.seed { p.seed = UInt64(bitPattern: seed) }
        p.stop = s.stop ?? []
        p.maxTokens = maxTokens
        p.topLogprobs = topLogprobs ?? 0
        return p
    }
}
