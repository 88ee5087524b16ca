import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import ContinuumTokenizers
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// `POST /v1/chat/completions`.
struct ChatCompletionsHandler {
    let gateway: Gateway

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let bytes = try await gateway.collectBody(request)
        let body = try ChatCompletionRequest.decode(from: Data(bytes.readableBytesView))
        let cascade = gateway.cascades[body.model]
        if cascade == nil { _ = try gateway.group(for: body.model) }
        let key = try await gateway.authorize(request, model: body.model)
        let meta = ResponseMetadata(id: ResponseID.chatCompletion(), created: Int(Date().timeIntervalSince1970), model: body.model)
        if let cascade {
            return try await CascadeRun(gateway: gateway, cascade: cascade, handler: self, body: body, bytes: bytes, key: key, meta: meta).answer()
        }
        return try await dispatch(body, bytes: bytes, key: key, meta: meta, model: body.model)
    }

    /// Answers `body` from `model`'s replica group (a cascade step names its own model).
    func dispatch(_ body: ChatCompletionRequest, bytes: ByteBuffer, key: KeyRecord?, meta: ResponseMetadata, model: String,
                  note: String = "", started: ContinuousClock.Instant = .now) async throws -> Response {
        try await gateway.dispatch(
            model: model, key: key, requestID: meta.id, note: note, started: started,
            proxied: ProxiedRequest(path: "/chat/completions", body: bytes, stream: body.isStreaming),
            prompt: { $0.chat(body.messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content?.text ?? "") }) },
            text: { _ in body.messages.map { $0.content?.text ?? "" }.joined(separator: "\n") },
            redact: { redactor, privacy in Self.redacted(body, model: model, with: &redactor, privacy: privacy) }
        ) { backend, log, headers in
            try await answer(body, meta: meta, backend: backend, log: log, headers: headers)
        }
    }

    /// The request with its personal data replaced by placeholders (one mapping across all
    /// messages), for a backend outside the tiers allowed to see it.
    static func redacted(_ body: ChatCompletionRequest, model: String, with redactor: inout PIIRedactor,
                         privacy: PrivacyPolicy) -> ProxiedRequest? {
        var copy = body
        copy.model = model
        for i in copy.messages.indices {
            guard let text = copy.messages[i].content?.text, !text.isEmpty else { continue }
            let redacted = redactor.redact(text, detector: privacy.detector, kinds: privacy.kinds)
            if redacted != text { copy.messages[i].content = .text(redacted) }
        }
        guard let data = try? OpenAIJSON.encode(copy) else { return nil }
        return ProxiedRequest(path: "/chat/completions", body: ByteBuffer(bytes: data), stream: body.isStreaming)
    }

    /// Answers from an engine in this process.
    private func answer(_ body: ChatCompletionRequest, meta: ResponseMetadata, backend: LocalBackend, log: RequestLog,
                        headers: HTTPFields) async throws -> Response {
        let plan = try Self.plan(body, backend: backend)
        return try await respond(try backend.submit(plan), plan: plan, meta: meta, backend: backend, log: log, headers: headers)
    }

    /// The engine's work for `body`: the chat template applied, sampling validated.
    static func plan(_ body: ChatCompletionRequest, backend: LocalBackend) throws -> GenerationPlan {
        let messages = body.messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content?.text ?? "") }
        let prompt: [Int32]
        do {
            prompt = try backend.engine.chatPrompt(messages)
        } catch {
            throw OpenAIError.serverError("chat template: \(error)")
        }
        return GenerationPlan(
            prompt: prompt,
            parameters: GenerationPlan.parameters(body.sampling, maxTokens: body.maxTokens, topLogprobs: body.logprobsCount),
            stream: body.isStreaming, includeUsage: body.includeUsage, logprobs: body.logprobsCount)
    }

    /// The response to a generation under way: streamed, or collected into one completion.
    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, meta: ResponseMetadata,
                 backend: LocalBackend, log: RequestLog, headers: HTTPFields) async throws -> Response {
        if plan.stream {
            return try stream(updates, meta: meta, plan: plan, backend: backend, log: log, headers: headers)
        }
        let c = try await backend.collect(updates, logprobs: plan.logprobs != nil, log: log)
        let completion = ChatCompletion(meta, text: c.result.text, finishReason: Gateway.finishReason(c.result.finishReason), usage: c.usage,
                                        logprobs: plan.logprobs.map { ChatLogprobs(c.entries, topLogprobs: $0) })
        var log = log
        log.finish(c.result, status: .ok, httpStatus: 200, firstToken: c.firstToken)
        return Gateway.json(try OpenAIJSON.encode(completion), headers: headers)
    }

    private func stream(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, meta: ResponseMetadata,
                        plan: GenerationPlan, backend: LocalBackend, log: RequestLog, headers: HTTPFields) throws -> Response {
        SSERelay(
            updates: updates, log: log, headers: headers, head: [try SSEEncoder.data(ChatCompletionChunk.role(meta))],
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
