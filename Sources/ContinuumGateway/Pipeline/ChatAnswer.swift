import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// A chat completion answered by an engine in this process: streamed as chunks, or
/// collected into one completion.
struct ChatAnswer {
    let meta: ResponseMetadata
    let plan: GenerationPlan
    let backend: LocalBackend

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, log: RequestLog, headers: HTTPFields) async throws -> Response {
        if plan.stream { return stream(updates, log: log, headers: headers) }
        let c = try await backend.collect(updates, plan: plan, log: log)
        let completion = ChatCompletion(meta, text: c.result.text, finishReason: Gateway.finishReason(c.result.finishReason), usage: c.usage,
                                        logprobs: plan.logprobs.map { ChatLogprobs(c.entries, topLogprobs: $0) })
        let data = try OpenAIJSON.encode(completion)
        log.finish(c.result, status: .ok, httpStatus: 200, firstToken: c.firstToken)
        return Gateway.json(data, headers: headers)
    }

    private func stream(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, log: RequestLog, headers: HTTPFields) -> Response {
        let (meta, plan, backend) = (meta, plan, backend)
        return SSERelay(
            updates: updates, log: log, headers: headers, promptTokens: plan.prompt.count,
            head: [(try? SSEEncoder.data(ChatCompletionChunk.role(meta))) ?? Data()],
            frame: { t in
                let lp = plan.logprobs.map { ChatLogprobs([backend.logprobEntry(t.token)], topLogprobs: $0) }
                guard !t.text.isEmpty || lp != nil else { return nil }
                return try SSEEncoder.data(ChatCompletionChunk.content(meta, t.text, logprobs: lp))
            },
            tail: { r in
                var frames = [try SSEEncoder.data(ChatCompletionChunk.finish(meta, Gateway.finishReason(r.finishReason)))]
                if plan.includeUsage {
                    let usage = Usage(promptTokens: r.promptTokens, completionTokens: r.completionTokens, cachedTokens: r.cachedPromptTokens)
                    frames.append(try SSEEncoder.data(ChatCompletionChunk.usage(meta, usage)))
                }
                return frames
            }).response()
    }
}
