import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation
import Hummingbird

/// `POST /v1/completions` (the legacy text API): prompt text or token ids, no chat template.
struct CompletionsHandler {
    let gateway: Gateway

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await gateway.decode(CompletionRequest.self, from: request)
        try gateway.checkModel(body.model)
        let keyID = try await gateway.authorize(request, model: body.model)
        let prompt: [Int32]
        switch body.prompt {
        case .text(let t): prompt = gateway.engine.tokenizer.encode(t, parseSpecial: false)
        case .tokens(let ids):
            let vocab = gateway.engine.tokenizer.vocabularySize
            guard ids.allSatisfy({ $0 >= 0 && $0 < vocab }) else {
                throw OpenAIError.invalidValue(param: "prompt", "token ids must be in 0..<\(vocab)")
            }
            prompt = ids.map { Int32($0) }
        }
        guard !prompt.isEmpty else { throw OpenAIError.invalidValue(param: "prompt", "the prompt is empty") }
        let stream = body.isStreaming
        let plan = GenerationPlan(
            prompt: prompt, parameters: GenerationPlan.parameters(body.sampling, maxTokens: body.sampling.maxTokens ?? 16, topLogprobs: body.logprobs),
            stream: stream, includeUsage: body.includeUsage, logprobs: body.logprobs)
        let updates = try gateway.submit(plan)
        let meta = ResponseMetadata(id: ResponseID.completion(), created: Int(Date().timeIntervalSince1970), model: body.model)
        var log = RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, requestID: meta.id, keyID: keyID, model: body.model)
        log.limiter = gateway.limiter
        if plan.stream {
            let gateway = self.gateway
            return SSERelay(
                updates: updates, log: log, head: [],
                frame: { t in
                    let lp = plan.logprobs.map { CompletionLogprobs([gateway.logprobEntry(t.token)], logprobs: $0) }
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
        var entries: [LogprobEntry] = []
        var result: GenerationResult?
        var first: ContinuousClock.Instant?
        for try await u in updates {
            switch u {
            case .token(let t):
                if first == nil { first = .now }
                if plan.logprobs != nil { entries.append(gateway.logprobEntry(t.token)) }
            case .finished(let r): result = r
            }
        }
        guard let r = result else { throw OpenAIError.serverError("generation ended without a result") }
        let usage = Usage(promptTokens: r.promptTokens, completionTokens: r.completionTokens, cachedTokens: r.cachedPromptTokens)
        let completion = Completion(meta, text: r.text, finishReason: Gateway.finishReason(r.finishReason), usage: usage,
                                    logprobs: plan.logprobs.map { CompletionLogprobs(entries, logprobs: $0) })
        log.finish(r, status: .ok, httpStatus: 200, firstToken: first)
        return Gateway.json(try OpenAIJSON.encode(completion), headers: Gateway.provenance())
    }
}
