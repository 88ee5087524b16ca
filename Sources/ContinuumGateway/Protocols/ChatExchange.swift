import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import NIOConcurrencyHelpers

/// What the pipeline answered to a chat completion run on behalf of another client protocol
/// (Anthropic Messages, OpenAI Responses). Those adapters translate their request into a chat
/// completion, so keys, limits, personal data, tiers, cascades, the ledger and provenance
/// apply to them exactly as to `POST /v1/chat/completions`, and translate this answer back.
enum ChatExchange: Sendable {
    /// A non-streaming answer, with the provenance headers (`x-continuum-*`, `x-request-id`).
    case complete(ChatCompletion, headers: HTTPFields)
    /// A streaming answer: chunks as they come; iterating throws OpenAIError on a failure
    /// mid-stream. Ask for `stream_options.include_usage` to get the usage chunk.
    case stream(ChatChunkStream, headers: HTTPFields)
    /// The answer of a backend that speaks the client's own protocol (Passthrough), to be
    /// sent as it is.
    case relayed(Response)
}

extension Gateway {
    /// Runs `body` (whose JSON is `raw`) through the one generation path. Throws OpenAIError,
    /// or RoutedError with provenance headers, as the chat route would; an answer that is
    /// not a 2xx (an upstream's error relayed) becomes a RoutedError too.
    func exchange(_ body: ChatCompletionRequest, raw: ByteBuffer, context: GatewayContext) async throws -> ChatExchange {
        let response: Response
        do {
            response = try await generate(body, raw: raw, context: context)
        } catch let passed as Passthrough.Answered {
            return .relayed(passed.response)
        }
        var headers = response.headers
        headers[.contentType] = nil
        headers[.contentLength] = nil
        headers[.cacheControl] = nil
        let status = Int(response.status.code)
        let isStream = response.headers[.contentType]?.hasPrefix("text/event-stream") ?? false
        if (200..<300).contains(status), isStream {
            return .stream(ChatChunkStream(body: response.body), headers: headers)
        }
        let data = try await Self.collect(response.body)
        guard (200..<300).contains(status) else {
            let error = OpenAIError(status: status, body: data)
                ?? OpenAIError(status: status, message: String(decoding: data.prefix(500), as: UTF8.self), type: "api_error")
            throw RoutedError(error: error, headers: headers)
        }
        do {
            return .complete(try JSONDecoder().decode(ChatCompletion.self, from: data), headers: headers)
        } catch {
            throw RoutedError(error: .backendFailure("the backend's answer is not a chat completion: \(error)"), headers: headers)
        }
    }

    /// A streaming response whose body is the events `produce` sends. When the client goes
    /// away a send throws, `produce` ends, and the chat stream it reads is dropped, which
    /// cancels the generation behind it.
    static func eventStream(headers: HTTPFields, _ produce: @escaping @Sendable (inout SSEWriter) async throws -> Void) -> Response {
        var h = headers
        h[.contentType] = "text/event-stream"
        h[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: h, body: .init { writer in
            var sse = SSEWriter(writer: writer)
            try await produce(&sse)
            try await sse.writer.finish(nil)
        })
    }

    /// A whole (non-streaming) response body. Bodies the pipeline builds are bounded by the
    /// request's own limits (one answer).
    static func collect(_ body: ResponseBody) async throws -> Data {
        let sink = CollectingWriter()
        try await body.write(sink)
        return sink.data.withLockedValue { $0 }
    }
}

/// Sends server-sent events on a response body.
struct SSEWriter {
    var writer: any ResponseBodyWriter

    /// One event: `event:` when named, the data (one `data:` line per line), a blank line.
    mutating func send(event: String?, data: String) async throws {
        try await writer.write(ByteBuffer(bytes: SSEEncoder.encode(ServerSentEvent(event: event, data: data))))
    }

    /// An event whose data is `value` as JSON.
    mutating func send<T: Encodable>(event: String?, json value: T) async throws {
        try await send(event: event, data: String(decoding: try OpenAIJSON.encode(value), as: UTF8.self))
    }
}

/// The chunks of a streaming chat answer, read from the SSE body the pipeline built (an
/// engine's relay or an upstream's). The body is written by a task started on the first
/// `next()`; once the iterator is dropped (the adapter's client left) the body's next write
/// fails, which is how a chat stream learns its client is gone: it records a disconnect and
/// cancels the generation, as when its own client leaves. (Cancelling the task instead would
/// end the engine's update stream first and be recorded as an error.) No backpressure is
/// needed: what can be buffered is at most one answer's chunks.
struct ChatChunkStream: AsyncSequence, Sendable {
    typealias Element = ChatCompletionChunk
    let body: ResponseBody

    func makeAsyncIterator() -> Iterator { Iterator(body: body) }

    struct Iterator: AsyncIteratorProtocol {
        let body: ResponseBody
        var bytes: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator?
        var parser = SSEParser()
        var pending: [ServerSentEvent] = []
        var done = false
        let decoder = JSONDecoder()

        init(body: ResponseBody) { self.body = body }

        mutating func next() async throws -> ChatCompletionChunk? {
            if bytes == nil { bytes = Self.start(body).makeAsyncIterator() }
            while !done {
                if !pending.isEmpty {
                    let event = pending.removeFirst()
                    if event.data == "[DONE]" { done = true; break }
                    let data = Data(event.data.utf8)
                    // A chunk first (every token's event); an error envelope is never a chunk,
                    // so it is looked for only when that fails.
                    do {
                        return try decoder.decode(ChatCompletionChunk.self, from: data)
                    } catch {
                        done = true
                        throw OpenAIError(status: 200, body: data)
                            ?? OpenAIError.backendFailure("the backend streamed something that is not a chat chunk: \(error)")
                    }
                }
                guard let buffer = try await bytes?.next() else {
                    done = true
                    throw OpenAIError.backendFailure("the answer's stream ended without [DONE]")
                }
                pending = try parser.feed(buffer.readableBytesView)
            }
            return nil
        }

        /// Writes `body` in a task into a stream of buffers.
        private static func start(_ body: ResponseBody) -> AsyncThrowingStream<ByteBuffer, any Error> {
            let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
            Task {
                do {
                    try await body.write(StreamingWriter(continuation: continuation))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            return stream
        }
    }
}

/// A body writer that hands each buffer to a stream, and fails once its reader is gone.
private struct StreamingWriter: ResponseBodyWriter {
    let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    mutating func write(_ buffer: ByteBuffer) async throws {
        if case .terminated = continuation.yield(buffer) { throw ReaderGone() }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}

    struct ReaderGone: Error {}
}

/// A body writer that keeps what is written.
private struct CollectingWriter: ResponseBodyWriter {
    let data = NIOLockedValueBox(Data())

    mutating func write(_ buffer: ByteBuffer) async throws {
        data.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
