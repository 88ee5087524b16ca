public import ContinuumEngine
import ContinuumGrammar
import ContinuumOpenAI
public import ContinuumRouting
import ContinuumTokenizers

/// An engine in this process (continuous batching, paged KV cache with prefix reuse).
public struct LocalBackend: Sendable {
    public let name: String
    public let tier: Tier
    public let engine: BatchEngine
    /// Never opened by failures (the engine reports its own refusals); present so every
    /// backend routes the same way.
    public let breaker = CircuitBreaker(failureThreshold: .max)

    public init(name: String, tier: Tier = .device, engine: BatchEngine) {
        self.name = name
        self.tier = tier
        self.engine = engine
    }

    /// The engine cannot take a request that another model might (a fallback's cue): its
    /// queue is at its limit, or the prompt does not fit its context.
    struct Unavailable: Error {
        let cause: RouteReason.FallbackCause
        let error: OpenAIError
    }

    /// Submits to the engine, mapping its refusals to OpenAI errors.
    func submit(_ plan: GenerationPlan) throws -> AsyncThrowingStream<GenerationUpdate, any Error> {
        do {
            return try engine.submit(prompt: plan.prompt, parameters: plan.parameters, constraint: plan.constraint)
        } catch let e as BatchEngineError {
            switch e.code {
            case .queueFull:
                throw Unavailable(cause: .full, error: .rateLimited(retryAfterSeconds: 1, "The server is busy: \(e.message)"))
            case .promptTooLong, .tooLargeForCache:
                throw Unavailable(cause: .promptTooLong,
                                  error: .contextLengthExceeded(contextLength: engine.contextLength, promptTokens: plan.prompt.count))
            case .emptyPrompt, .invalidToken: throw OpenAIError.invalidValue(param: "prompt", e.message)
            case .shuttingDown: throw OpenAIError.backendUnavailable("the server is shutting down", retryAfterSeconds: 5)
            }
        } catch let e as GrammarError {
            throw OpenAIError.invalidValue(param: "grammar", e.message)
        } catch let e as SamplingParametersError {
            throw OpenAIError.invalidValue(param: e.field.rawValue, e.message)
        }
    }

    func logprobEntry(_ t: SampledToken) -> LogprobEntry {
        LogprobEntry(token: LogprobCandidate(bytes: engine.tokenizer.tokenBytes(t.id), logprob: Double(t.logprob)),
                     alternatives: t.top.map { LogprobCandidate(bytes: engine.tokenizer.tokenBytes($0.id), logprob: Double($0.logprob)) })
    }
}
