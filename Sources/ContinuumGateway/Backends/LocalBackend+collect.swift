import ContinuumEngine
import ContinuumLedger
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

    /// Collects a generation. A failure ends the row (billing the prompt and the tokens
    /// generated so far) before it is thrown.
    func collect(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, log: RequestLog) async throws -> Collected {
        var entries: [LogprobEntry] = []
        var result: GenerationResult?
        var first: ContinuousClock.Instant?
        var generated = 0
        do {
            for try await u in updates {
                switch u {
                case .token(let t):
                    generated += 1
                    if first == nil { first = .now; log.firstToken() }
                    if plan.logprobs != nil { entries.append(logprobEntry(t.token)) }
                case .finished(let r): result = r
                }
            }
            guard let r = result else { throw OpenAIError.serverError("generation ended without a result") }
            return Collected(result: r, entries: entries, firstToken: first)
        } catch {
            let e = error as? OpenAIError ?? .serverError("generation failed: \(error)")
            log.finish(counts: TokenCounts(prompt: plan.prompt.count, completion: generated, cached: 0, estimated: true),
                       status: .error, httpStatus: e.status, error: e.message, firstToken: first)
            throw e
        }
    }
}
