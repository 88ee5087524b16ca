import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation
import Hummingbird
import HTTPTypes

/// `POST /v1/completions` (the legacy text API): prompt text or token ids, no chat template.
struct CompletionsHandler {
    let gateway: Gateway

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let bytes = try await gateway.collectBody(request)
        let body = try CompletionRequest.decode(from: Data(bytes.readableBytesView))
        if gateway.cascades[body.model] != nil {
            throw OpenAIError.invalidValue(param: "model", "'\(body.model)' is a tier cascade, which answers chat completions only (POST /v1/chat/completions)")
        }
        _ = try gateway.group(for: body.model)
        let key = try await gateway.authorize(request, model: body.model)
        let meta = ResponseMetadata(id: ResponseID.completion(), created: Int(Date().timeIntervalSince1970), model: body.model)
        return try await gateway.dispatch(
            model: body.model, key: key, requestID: meta.id,
            proxied: ProxiedRequest(path: "/completions", body: bytes, stream: body.isStreaming),
            prompt: { hasher in
                switch body.prompt {
                case .text(let t): hasher.text(t)
                case .tokens(let ids): hasher.tokens(ids.map { Int32(truncatingIfNeeded: $0) })
                }
            },
            text: { group in
                switch body.prompt {
                case .text(let t): return t
                case .tokens(let ids):
                    // Read with the model's tokenizer (the group's, or a local engine's) to scan it.
                    guard let tokenizer = group.tokenizer else { return nil }
                    return tokenizer.decode(ids.map { Int32(truncatingIfNeeded: $0) })
                }
            }
        ) { backend, log, headers in
            try await answer(body, meta: meta, backend: backend, log: log, headers: headers)
        }
    }

    /// Answers from an engine in this process.
    private func answer(_ body: CompletionRequest, meta: ResponseMetadata, backend: LocalBackend, log: RequestLog,
                        headers: HTTPFields) async throws -> Response {
        let tokenizer = backend.engine.tokenizer
        let prompt: [Int32]
        switch body.prompt {
        case .text(let t): prompt = tokenizer.encode(t, parseSpecial: false)
        case .tokens(let ids):
            let vocab = tokenizer.vocabularySize
            guard ids.allSatisfy({ $0 >= 0 && $0 < vocab }) else {
                throw OpenAIError.invalidValue(param: "prompt", "token ids must be in 0..<\(vocab)")
            }
            prompt = ids.map { Int32($0) }
        }
        guard !prompt.isEmpty else { throw OpenAIError.invalidValue(param: "prompt", "the prompt is empty") }
        let plan = GenerationPlan(
            prompt: prompt, parameters: GenerationPlan.parameters(body.sampling, maxTokens: body.sampling.maxTokens ?? 16, topLogprobs: body.logprobs),
            stream: body.isStreaming, includeUsage: body.includeUsage, logprobs: body.logprobs)
        let updates = try backend.submit(plan)
        if plan.stream {
            return SSERelay(
                updates: updates, log: log, headers: headers, head: [],
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
        let c = try await backend.collect(updates, logprobs: plan.logprobs != nil, log: log)
        let completion = Completion(meta, text: c.result.text, finishReason: Gateway.finishReason(c.result.finishReason), usage: c.usage,
                                    logprobs: plan.logprobs.map { CompletionLogprobs(c.entries, logprobs: $0) })
        var log = log
        log.finish(c.result, status: .ok, httpStatus: 200, firstToken: c.firstToken)
        return Gateway.json(try OpenAIJSON.encode(completion), headers: headers)
    }
}
