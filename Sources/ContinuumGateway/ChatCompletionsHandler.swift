import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation
import Hummingbird

/// `POST /v1/chat/completions`.
struct ChatCompletionsHandler {
    let gateway: Gateway

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await gateway.decode(ChatCompletionRequest.self, from: request)
        try gateway.checkModel(body.model)
        let keyID = try await gateway.authorize(request, model: body.model)
        let messages = body.messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content?.text ?? "") }
        let prompt: [Int32]
        do {
            prompt = try gateway.engine.chatPrompt(messages)
        } catch {
            throw OpenAIError.serverError("chat template: \(error)")
        }
        let plan = GenerationPlan(
            prompt: prompt,
            parameters: GenerationPlan.parameters(body.sampling, maxTokens: body.maxTokens, topLogprobs: body.logprobsCount),
            stream: body.isStreaming, includeUsage: body.includeUsage, logprobs: body.logprobsCount)
        let updates = try gateway.submit(plan)
        let meta = ResponseMetadata(id: ResponseID.chatCompletion(), created: Int(Date().timeIntervalSince1970), model: body.model)
        var log = RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, requestID: meta.id, keyID: keyID, model: body.model)
        log.limiter = gateway.limiter
        if plan.stream {
            return try stream(updates, meta: meta, plan: plan, log: log)
        }
        var text = ""
        var entries: [LogprobEntry] = []
        var result: GenerationResult?
        var first: ContinuousClock.Instant?
        do {
            for try await u in updates {
                switch u {
                case .token(let t):
                    if first == nil { first = .now }
                    text += t.text
                    if plan.logprobs != nil { entries.append(gateway.logprobEntry(t.token)) }
                case .finished(let r): result = r
                }
            }
        } catch {
            log.finish(result, status: .error, httpStatus: 500, error: "\(error)", firstToken: first)
            throw OpenAIError.serverError("generation failed: \(error)")
        }
        guard let r = result else { throw OpenAIError.serverError("generation ended without a result") }
        let usage = Usage(promptTokens: r.promptTokens, completionTokens: r.completionTokens, cachedTokens: r.cachedPromptTokens)
        let completion = ChatCompletion(meta, text: r.text, finishReason: Gateway.finishReason(r.finishReason), usage: usage,
                                        logprobs: plan.logprobs.map { ChatLogprobs(entries, topLogprobs: $0) })
        log.finish(r, status: .ok, httpStatus: 200, firstToken: first)
        return Gateway.json(try OpenAIJSON.encode(completion), headers: Gateway.provenance())
    }

    private func stream(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, meta: ResponseMetadata,
                        plan: GenerationPlan, log: RequestLog) throws -> Response {
        let gateway = self.gateway
        return SSERelay(
            updates: updates, log: log, head: [try SSEEncoder.data(ChatCompletionChunk.role(meta))],
            frame: { t in
                let lp = plan.logprobs.map { ChatLogprobs([gateway.logprobEntry(t.token)], topLogprobs: $0) }
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
