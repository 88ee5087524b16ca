import AsyncHTTPClient
import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import NIOHTTP1

/// A request to relay to an OpenAI-compatible backend: the client's own body, edited only
/// where it must be (Routed.forwarded).
struct ProxiedRequest: Sendable {
    /// Path under the base URL: `/chat/completions` or `/completions`.
    let path: String
    let body: ByteBuffer
    let stream: Bool
    /// The gateway asked for usage the client did not: its usage chunk is not passed on.
    var stripUsage = false
}

/// One attempt to answer a request from one OpenAI-compatible backend. Nothing reaches the
/// client before the upstream has answered 2xx (a streaming answer) or in full (otherwise),
/// so every failure up to then can be retried elsewhere. Streams pass through chunk by
/// chunk, unbuffered (re-framed event by event only to restore redacted text or drop a
/// usage chunk the client did not ask for); an SSE parser beside them watches for usage,
/// `[DONE]` and the first token. An upstream that breaks off mid-stream gets the client an
/// OpenAI error event and the ledger a `backend_failed` row.
struct UpstreamRelay: Sendable {
    let backend: OpenAIBackend
    /// Largest non-streaming answer or error body read from an upstream.
    static let maxBodyBytes = 64 << 20

    enum Outcome: Sendable {
        case answered(Response)
        /// Worth trying again (elsewhere): the upstream was unreachable, slow, overloaded or failed.
        case failed(OpenAIError)
    }

    /// `restoration`: the request was redacted; its answer gets the personal data back.
    /// `estimate`: the prompt's tokens counted by the gateway, for a stream without usage.
    func attempt(_ request: ProxiedRequest, log: RequestLog, headers: HTTPFields, restoration: AnswerRestoration? = nil,
                 estimate: @escaping @Sendable () -> Int? = { nil }) async -> Outcome {
        let response: UpstreamAnswer
        do {
            response = try await backend.post(request.path, body: request.body, stream: request.stream)
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            backend.breaker.recordFailure()
            return .failed(.backendTimeout("backend '\(backend.name)' did not answer in time (\(e))"))
        } catch let e as UpstreamClientError where e.isTimeout {
            backend.breaker.recordFailure()
            return .failed(.backendTimeout("backend '\(backend.name)' did not answer in time (\(e))"))
        } catch {
            backend.breaker.recordFailure()
            return .failed(.backendFailure("backend '\(backend.name)' is unreachable: \(error)"))
        }
        let status = response.status
        guard (200..<300).contains(status) else {
            let data = (try? await response.collect(upTo: Self.maxBodyBytes)).map { Data($0.readableBytesView) } ?? Data()
            let upstreamError = OpenAIError(status: status, body: data)
            if status >= 500 || status == 429 {
                if status >= 500 { backend.breaker.recordFailure() }
                let retryAfter = response.retryAfter.flatMap { Int($0) }
                return .failed(upstreamError.map { OpenAIError(status: $0.status, message: $0.message, type: $0.type, param: $0.param,
                                                               code: $0.code, retryAfterSeconds: retryAfter) }
                               ?? .backendFailure("backend '\(backend.name)' answered HTTP \(status)"))
            }
            // 4xx: the request's fault; the upstream's answer goes to the client as it is.
            backend.breaker.recordSuccess()
            log.finish(counts: nil, status: .error, httpStatus: status, error: upstreamError?.message ?? "HTTP \(status)")
            return .answered(Self.response(status: status, data: data, contentType: "application/json", headers: headers))
        }
        if request.stream {
            backend.breaker.recordSuccess()
            return .answered(stream(response, request: request, log: log, headers: headers, restoration: restoration, estimate: estimate))
        }
        var data: Data
        do {
            data = Data(try await response.collect(upTo: Self.maxBodyBytes).readableBytesView)
        } catch {
            backend.breaker.recordFailure()
            return .failed(.backendFailure("backend '\(backend.name)' broke off its answer: \(error)"))
        }
        backend.breaker.recordSuccess()
        let usage = (try? JSONDecoder().decode(UsageEnvelope.self, from: data))?.usage
            ?? (try? JSONDecoder().decode(MessagesUsageEnvelope.self, from: data))?.usage?.usage
        let counts = usage.map(TokenCounts.init) ?? TokenCounts(prompt: estimate() ?? 0, completion: 0, cached: 0, estimated: true)
        log.finish(counts: counts, status: .ok, httpStatus: status)
        if let restoration { data = restoration.restoring(json: data) }
        return .answered(Self.response(status: status, data: data, contentType: "application/json", headers: headers))
    }

    private func stream(_ response: UpstreamAnswer, request: ProxiedRequest, log: RequestLog, headers: HTTPFields,
                        restoration: AnswerRestoration?, estimate: @escaping @Sendable () -> Int?) -> Response {
        var h = headers
        h[.contentType] = "text/event-stream"
        h[.cacheControl] = "no-cache"
        let backend = self.backend
        let strip = request.stripUsage
        return Response(status: .ok, headers: h, body: .init { writer in
            var watcher = StreamWatcher()
            var restorer = restoration.map { AnswerRestoration.Stream(redactor: $0.redactor) }
            let reframe = strip || restorer != nil
            // Whether the upstream's bytes so far ended on an event boundary (the parser holds
            // no partial event): then a chunk that also ends on one holds whole events only, and
            // may go on as it came even when the stream is re-framed.
            var aligned = true
            func counts() -> TokenCounts { watcher.counts(estimate: estimate) }
            do {
                var clientLeft = false
                try await response.forEachPart { chunk in
                    let events = watcher.observe(chunk, log: log)
                    var out = chunk
                    let ends = Self.endsAnEvent(chunk)
                    let whole = aligned && ends
                    aligned = ends
                    if reframe, let events, !(restorer == nil && whole && !events.contains(where: StreamWatcher.isUsageOnly)) {
                        let kept = strip ? events.filter { !StreamWatcher.isUsageOnly($0) } : events
                        let data = restorer?.feed(kept) ?? kept.reduce(into: Data()) { $0 += $1.isDone ? SSEEncoder.done : SSEEncoder.encode($1) }
                        if data.isEmpty { return true }
                        out = ByteBuffer(bytes: data)
                    }
                    do {
                        try await writer.write(out)
                        return true
                    } catch {
                        clientLeft = true
                        return false
                    }
                }
                if clientLeft {
                    // The client left: returning drops the upstream body, which cancels it.
                    log.finish(counts: counts(), status: .disconnected, httpStatus: 200, error: "client disconnected",
                               firstToken: watcher.firstToken)
                    return
                }
                guard watcher.sawDone else { throw StreamEnded() }
                try? await writer.finish(nil)
                if let e = watcher.upstreamError {
                    log.finish(counts: counts(), status: .error, httpStatus: 200, error: e, firstToken: watcher.firstToken)
                } else {
                    log.finish(counts: counts(), status: .ok, httpStatus: 200, firstToken: watcher.firstToken)
                }
            } catch {
                backend.breaker.recordFailure()
                let reason = error is StreamEnded ? "ended its stream without [DONE]" : "failed mid-stream: \(error)"
                let e = OpenAIError.backendFailure("backend '\(backend.name)' \(reason)")
                // A partial event may be pending: a blank line ends it before the error event
                // (in the protocol the client speaks: an Anthropic backend's client speaks Anthropic's).
                let event = backend.api == .anthropic ? MessagesStreamEvent.error(AnthropicError(e)).frame : SSEEncoder.error(e)
                try? await writer.write(ByteBuffer(bytes: Data("\n\n".utf8) + event))
                try? await writer.finish(nil)
                log.finish(counts: counts(), status: .backendFailed, httpStatus: 200, error: e.message, firstToken: watcher.firstToken)
            }
        })
    }

    /// Whether a chunk ends with a blank line (the end of an SSE event).
    static func endsAnEvent(_ chunk: ByteBuffer) -> Bool {
        let n = chunk.readableBytes
        guard n >= 2, let tail = chunk.getBytes(at: chunk.readerIndex + n - 2, length: 2) else { return false }
        return tail == [0x0A, 0x0A] || (tail == [0x0D, 0x0A] && n >= 4 && chunk.getBytes(at: chunk.readerIndex + n - 4, length: 2) == [0x0D, 0x0A])
            || tail == [0x0D, 0x0D]
    }

    static func response(status: Int, data: Data, contentType: String, headers: HTTPFields) -> Response {
        var h = headers
        h[.contentType] = contentType
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct StreamEnded: Error {}
}

/// What the gateway learns from an upstream stream while passing it through: when the first
/// token came, usage (when the upstream reports it), an error event, the `[DONE]` mark.
private struct StreamWatcher {
    private var parser = SSEParser()
    private(set) var sawDone = false
    private(set) var firstToken: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?
    private var chunks = 0
    private var usage: Usage?
    private(set) var upstreamError: String?
    private var broken = false

    /// Tokens as the upstream reported them; else the prompt as the gateway counts it and
    /// one completion token per content chunk, marked estimated.
    func counts(estimate: () -> Int?) -> TokenCounts {
        if let u = usage { return TokenCounts(u) }
        return TokenCounts(prompt: estimate() ?? 0, completion: chunks, cached: 0, estimated: true)
    }

    /// A usage-only chunk (no choices), as `include_usage` adds before `[DONE]`.
    static func isUsageOnly(_ e: ServerSentEvent) -> Bool {
        guard e.data.contains(#""usage""#), let c = try? JSONDecoder().decode(UsageChunk.self, from: Data(e.data.utf8)) else { return false }
        return c.usage != nil && (c.choices?.isEmpty ?? true)
    }

    /// Whether an event's data carries generated text: a non-empty `"content"` or `"text"`
    /// string (a role-only first chunk does not). A byte scan: it runs on every event.
    static func hasText(_ data: String) -> Bool {
        var data = data
        return data.withUTF8 { b in
            let quote = UInt8(ascii: "\""), colon = UInt8(ascii: ":"), space = UInt8(ascii: " ")
            var i = 0
            while i < b.count {
                guard b[i] == quote else { i += 1; continue }
                // a key: `"content"` or `"text"`, then `:`, spaces, and a string that is not empty
                var end = i + 1
                while end < b.count, b[end] != quote { end += 1 }
                let key = UnsafeBufferPointer(rebasing: b[(i + 1)..<min(end, b.count)])
                var j = end + 1
                if key.elementsEqual("content".utf8) || key.elementsEqual("text".utf8), j < b.count, b[j] == colon {
                    j += 1
                    while j < b.count, b[j] == space { j += 1 }
                    if j + 1 < b.count, b[j] == quote, b[j + 1] != quote { return true }
                }
                i = end + 1
            }
            return false
        }
    }

    /// Watches a chunk; returns its complete events (nil once the stream is not SSE we understand).
    mutating func observe(_ chunk: ByteBuffer, log: RequestLog) -> [ServerSentEvent]? {
        guard !broken, let events = try? parser.feed(chunk.readableBytesView) else {
            broken = true  // not SSE we understand: pass it on, stop watching
            return nil
        }
        let now = ContinuousClock.now
        for e in events {
            if e.isDone || e.event == "message_stop" { sawDone = true; continue }  // OpenAI's end, Anthropic's
            if e.event == "message_start" || e.event == "message_delta", let m = try? JSONDecoder().decode(MessagesUsageEnvelope.self, from: Data(e.data.utf8)) {
                // Anthropic reports input tokens at the start and output tokens at the end.
                let u = m.usage ?? m.message?.usage
                usage = Usage(promptTokens: u?.inputTokens ?? usage?.promptTokens ?? 0, completionTokens: u?.outputTokens ?? usage?.completionTokens ?? 0)
            }
            if e.event == "error" || e.data.hasPrefix(#"{"error""#) {
                upstreamError = OpenAIError(status: 200, body: Data(e.data.utf8))?.message ?? "error event"
                sawDone = true  // an error event ends an OpenAI stream
                continue
            }
            if e.data.contains(#""usage":{"#) || e.data.contains(#""usage": {"#),
               let u = try? JSONDecoder().decode(UsageEnvelope.self, from: Data(e.data.utf8)).usage {
                usage = u
            }
            if Self.hasText(e.data) {
                chunks += 1
                if firstToken == nil { firstToken = now; log.firstToken() }
                if let last { log.tokenGap(now - last) }
                last = now
            }
        }
        return events
    }
}

/// The `usage` of a completion or of a stream's last chunk.
private struct UsageEnvelope: Decodable { var usage: Usage? }

/// Anthropic's `usage`: of a message, of a `message_delta` event, or inside `message_start`'s message.
private struct MessagesUsageEnvelope: Decodable {
    struct Counts: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        var usage: Usage { Usage(promptTokens: inputTokens ?? 0, completionTokens: outputTokens ?? 0) }
        private enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
    }
    struct Message: Decodable { var usage: Counts? }
    var usage: Counts?
    var message: Message?
}

private struct UsageChunk: Decodable {
    struct Ignored: Decodable {}
    var choices: [Ignored]?
    var usage: Usage?
}

extension TokenCounts {
    init(_ u: Usage) {
        self.init(prompt: u.promptTokens, completion: u.completionTokens, cached: u.cachedTokens)
    }
}
