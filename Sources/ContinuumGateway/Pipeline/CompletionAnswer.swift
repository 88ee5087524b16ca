import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// A legacy text completion answered by an engine in this process.
struct CompletionAnswer {
    let meta: ResponseMetadata
    let plan: GenerationPlan
    let backend: LocalBackend

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, log: RequestLog, headers: HTTPFields) async throws -> Response {
        let (meta, plan, backend) = (meta, plan, backend)
        if plan.stream {
            return SSERelay(
                updates: updates, log: log, headers: headers, promptTokens: plan.prompt.count, head: [],
                frame: { t in
                    let lp = plan.logprobs.map { CompletionLogprobs([backend.logprobEntry(t.token)], logprobs: $0) }
                    guard !t.text.isEmpty || lp != nil else { return nil }
                    return try SSEEncoder.data(Completion.chunk(meta, text: t.text, logprobs: lp))
                },
                tail: { r in
                    var frames = [try SSEEncoder.data(Completion.chunk(meta, text: "", finishReason: Gateway.finishReason(r.finishReason)))]
                    if plan.includeUsage {
                        let usage = Usage(promptTokens: r.promptTokens, completionTokens: r.completionTokens, cachedTokens: r.cachedPromptTokens)
                        frames.append(try SSEEncoder.data(Completion.usage(meta, usage)))
                    }
                    return frames
                }).response()
        }
        let c = try await backend.collect(updates, plan: plan, log: log)
        let completion = Completion(meta, text: c.result.text, finishReason: Gateway.finishReason(c.result.finishReason), usage: c.usage,
                                    logprobs: plan.logprobs.map { CompletionLogprobs(c.entries, logprobs: $0) })
        let data = try OpenAIJSON.encode(completion)
        log.finish(c.result, status: .ok, httpStatus: 200, firstToken: c.firstToken)
        return Gateway.json(data, headers: headers)
    }
}
