import ContinuumEngine
import ContinuumGrammar
import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOConcurrencyHelpers

/// A chat completion answered by an engine in this process: streamed as chunks, or
/// collected into one completion. With tools, `<tool_call>` blocks in the answer become
/// `tool_calls` (streamed name first, then argument pieces) and the finish reason
/// `tool_calls`.
struct ChatAnswer {
    let meta: ResponseMetadata
    let plan: GenerationPlan
    let backend: LocalBackend

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, log: RequestLog, headers: HTTPFields) async throws -> Response {
        if plan.stream { return stream(updates, log: log, headers: headers) }
        let c = try await backend.collect(updates, plan: plan, log: log)
        var text: String? = c.result.text
        var calls: [ToolCall]?
        var reason = Gateway.finishReason(c.result.finishReason)
        if let functions = plan.toolFunctions {
            var parser = ToolCallParser(functions: functions)
            _ = parser.feed(c.result.text)
            _ = parser.finish()
            if !parser.calls.isEmpty {
                calls = parser.calls.prefix(plan.singleToolCall ? 1 : .max).map { ToolCall(id: Self.callID(), name: $0.name, arguments: $0.arguments) }
                text = parser.content.isEmpty ? nil : parser.content
                if reason == .stop { reason = .toolCalls }
            }
        }
        var completion = ChatCompletion(meta, text: text, toolCalls: calls, finishReason: reason, usage: c.usage,
                                        logprobs: plan.logprobs.map { ChatLogprobs(c.entries, topLogprobs: $0) })
        if reason == .stop { completion.choices[0].stopReason = c.result.stopSequence }
        let data = try OpenAIJSON.encode(completion)
        log.finish(c.result, status: .ok, httpStatus: 200, firstToken: c.firstToken)
        return Gateway.json(data, headers: headers)
    }

    /// An id for a call, unique enough to pair results with calls (OpenAI's are `call_` and 24 characters).
    static func callID() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var g = SystemRandomNumberGenerator()
        return "call_" + String((0..<24).map { _ in chars[Int(g.next() % UInt64(chars.count))] })
    }

    private func stream(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, log: RequestLog, headers: HTTPFields) -> Response {
        let (meta, plan, backend) = (meta, plan, backend)
        let calls = plan.toolFunctions.map { NIOLockedValueBox(ToolCallParser(functions: $0)) }
        return SSERelay(
            updates: updates, log: log, headers: headers, promptTokens: plan.prompt.count,
            head: [(try? SSEEncoder.data(ChatCompletionChunk.role(meta))) ?? Data()],
            frame: { t in
                let lp = plan.logprobs.map { ChatLogprobs([backend.logprobEntry(t.token)], topLogprobs: $0) }
                if let calls {
                    let events = calls.withLockedValue { $0.feed(t.text) }
                    return try Self.frames(Self.kept(events, plan), meta: meta, logprobs: lp)
                }
                guard !t.text.isEmpty || lp != nil else { return nil }
                return try SSEEncoder.data(ChatCompletionChunk.content(meta, t.text, logprobs: lp))
            },
            tail: { r in
                var frames: [Data] = []
                var reason = Gateway.finishReason(r.finishReason)
                if let calls {
                    let (events, called) = calls.withLockedValue { p in (p.finish(), !p.calls.isEmpty) }
                    if let data = try Self.frames(Self.kept(events, plan), meta: meta, logprobs: nil) { frames.append(data) }
                    if called && reason == .stop { reason = .toolCalls }
                }
                var finish = ChatCompletionChunk.finish(meta, reason)
                if reason == .stop { finish.choices[0].stopReason = r.stopSequence }
                frames.append(try SSEEncoder.data(finish))
                if plan.includeUsage {
                    let usage = Usage(promptTokens: r.promptTokens, completionTokens: r.completionTokens, cachedTokens: r.cachedPromptTokens)
                    frames.append(try SSEEncoder.data(ChatCompletionChunk.usage(meta, usage)))
                }
                return frames
            }).response()
    }

    /// The events a client gets: with `parallel_tool_calls: false`, none of a second call.
    private static func kept(_ events: [ToolCallParser.Event], _ plan: GenerationPlan) -> [ToolCallParser.Event] {
        guard plan.singleToolCall else { return events }
        return events.filter { e in
            switch e {
            case .callStart(let i, _), .arguments(let i, _): i == 0
            case .content: true
            }
        }
    }

    /// The chunks of parser events (content, a call's start with a new id, argument pieces),
    /// consecutive pieces of one kind merged; the token's logprobs ride on the first chunk.
    private static func frames(_ events: [ToolCallParser.Event], meta: ResponseMetadata, logprobs: ChatLogprobs?) throws -> Data? {
        var chunks: [ChatCompletionChunk] = []
        for e in events {
            switch e {
            case .content(let s):
                if let last = chunks.last?.choices.first?.delta, let prev = last.content, last.toolCalls == nil {
                    chunks[chunks.count - 1].choices[0].delta.content = prev + s
                } else {
                    chunks.append(.content(meta, s))
                }
            case .callStart(let i, let name):
                chunks.append(.toolCalls(meta, [ToolCallDelta(index: i, id: callID(), name: name, arguments: "")]))
            case .arguments(let i, let s):
                if let last = chunks.last?.choices.first?.delta.toolCalls?.last, last.index == i, last.id == nil {
                    chunks[chunks.count - 1].choices[0].delta.toolCalls![0].function.arguments! += s
                } else {
                    chunks.append(.toolCalls(meta, [ToolCallDelta(index: i, arguments: s)]))
                }
            }
        }
        if chunks.isEmpty {
            guard let logprobs else { return nil }
            chunks.append(.content(meta, "", logprobs: logprobs))
        } else if let logprobs {
            chunks[0].choices[0].logprobs = logprobs
        }
        var data = Data()
        for c in chunks { data += try SSEEncoder.data(c) }
        return data
    }
}
