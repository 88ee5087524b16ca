import ContinuumEngine
import ContinuumOpenAI

extension LocalBackend {
    /// A whole (non-streamed) generation: its result, the logprob entries when asked for,
    /// and when its first token came (also reported to `log`, which releases the route's
    /// pending prefill).
    struct Collected {
        let result: GenerationResult
        let entries: [LogprobEntry]
        let firstToken: ContinuousClock.Instant?
        var usage: Usage {
            Usage(promptTokens: result.promptTokens, completionTokens: result.completionTokens, cachedTokens: result.cachedPromptTokens)
        }
    }

    func collect(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, logprobs: Bool, log: RequestLog) async throws -> Collected {
        var entries: [LogprobEntry] = []
        var result: GenerationResult?
        var first: ContinuousClock.Instant?
        do {
            for try await u in updates {
                switch u {
                case .token(let t):
                    if first == nil { first = .now; log.firstToken() }
                    if logprobs { entries.append(logprobEntry(t.token)) }
                case .finished(let r): result = r
                }
            }
        } catch {
            throw OpenAIError.serverError("generation failed: \(error)")
        }
        guard let r = result else { throw OpenAIError.serverError("generation ended without a result") }
        return Collected(result: r, entries: entries, firstToken: first)
    }
}
