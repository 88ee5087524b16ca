import NIOCore
import NIOHTTP1

/// One request and its response on an ``UpstreamConnection``. Its continuation is resumed
/// once, on the event loop, with the response head (and the body, when it came in the same
/// read) or an error.
final class UpstreamExchange: @unchecked Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let firstByteTimeout: Duration
    let readTimeout: Duration
    let firstByte: TimeAmount
    let read: TimeAmount
    /// Set before the exchange reaches the event loop; used and cleared only there.
    var continuation: UnsafeContinuation<UpstreamResponse, any Error>?
    /// Event loop only: the caller was cancelled before the exchange started.
    var cancelled = false
    /// Event loop only: the response allows another request on the connection.
    var keepAlive = true

    init(head: HTTPRequestHead, body: ByteBuffer?, firstByteTimeout: Duration, readTimeout: Duration) {
        self.head = head
        self.body = body
        self.firstByteTimeout = firstByteTimeout
        self.readTimeout = readTimeout
        firstByte = TimeAmount(firstByteTimeout)
        read = TimeAmount(readTimeout)
    }

    func succeed(_ response: UpstreamResponse) {
        continuation?.resume(returning: response)
        continuation = nil
    }

    func fail(_ error: any Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }
}

/// A connection on which nothing was sent: the request may go on another one.
struct UpstreamConnectionNotUsable: Error {}

/// One keep-alive HTTP/1.1 connection to the upstream, the last handler of its channel
/// (after NIO's request encoder and response decoder). It carries one exchange at a time.
///
/// Timeouts are one scheduled task per connection, re-armed lazily: `deadline` moves with
/// every head and body part, and the task, when it fires early, schedules itself for the
/// current deadline. Back-to-back requests with the same timeouts schedule nothing.
///
/// `@unchecked Sendable`: everything mutable is touched only on `eventLoop`; other threads
/// reach it through `eventLoop.execute`.
final class UpstreamConnection: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case awaitingHead(UpstreamExchange)
        /// The head arrived in the read batch being processed; so did `parts`. Answered at the
        /// end of the batch, with the whole body when its end came too (no stream needed).
        case receivingHead(UpstreamExchange, HTTPResponseHead, [ByteBuffer])
        case streaming(UpstreamExchange, UpstreamBodyStream)
        case closed
    }

    let eventLoop: any EventLoop
    private let pool: UpstreamConnectionPool
    private var context: ChannelHandlerContext?
    private var state = State.idle
    /// What closing the channel reports to the exchange (a timeout, a protocol error,
    /// cancellation); nil reports the upstream's close.
    private var failure: (any Error)?
    /// The pool counts this connection from channelActive to channelInactive.
    private var counted = false
    /// The reader is slow: `read()` calls wait in `pendingRead`.
    private var readingPaused = false
    private var pendingRead = false
    private var skippingInformational = false
    private var deadline: NIODeadline?
    private var timerAt: NIODeadline?
    private var timer: Scheduled<Void>?

    init(eventLoop: any EventLoop, pool: UpstreamConnectionPool) {
        self.eventLoop = eventLoop
        self.pool = pool
    }

    // MARK: Called from other threads

    /// Sends `exchange` and suspends until the response head (or a failure).
    func execute(_ exchange: UpstreamExchange) async throws -> UpstreamResponse {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                exchange.continuation = continuation
                if eventLoop.inEventLoop {
                    start(exchange)
                } else {
                    eventLoop.execute { self.start(exchange) }
                }
            }
        } onCancel: {
            eventLoop.execute { self.cancel(exchange) }
        }
    }

    /// The reader drained the buffer below its low watermark.
    func resumeReading(_ stream: UpstreamBodyStream) {
        eventLoop.execute {
            guard case .streaming(let exchange, let current) = self.state, current === stream, self.readingPaused else { return }
            self.readingPaused = false
            self.arm(.now() + exchange.read)
            if self.pendingRead, let context = self.context {
                self.pendingRead = false
                context.read()
            }
        }
    }

    /// The reader gave up before the body's end: the connection cannot be reused, and
    /// closing it tells the upstream to stop.
    func abandon(_ stream: UpstreamBodyStream) {
        eventLoop.execute {
            guard case .streaming(_, let current) = self.state, current === stream else { return }
            self.close(reporting: CancellationError())
        }
    }

    func close() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            guard let context = self.context else { return self.eventLoop.makeSucceededVoidFuture() }
            let promise = self.eventLoop.makePromise(of: Void.self)
            context.close(promise: promise)
            return promise.futureResult.recover { _ in }  // already closed is fine
        }
    }

    // MARK: Event loop

    private func start(_ exchange: UpstreamExchange) {
        guard let context, case .idle = state, context.channel.isActive else {
            exchange.fail(UpstreamConnectionNotUsable())
            return
        }
        if exchange.cancelled {
            exchange.fail(CancellationError())
            close(reporting: CancellationError())
            return
        }
        state = .awaitingHead(exchange)
        arm(.now() + exchange.firstByte)
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The caller's task was cancelled while it waited for the head.
    private func cancel(_ exchange: UpstreamExchange) {
        switch state {
        case .awaitingHead(let current) where current === exchange:
            close(reporting: CancellationError())
        case .receivingHead(let current, _, _) where current === exchange:
            close(reporting: CancellationError())
        default:
            exchange.cancelled = true  // not started yet (or long done: then this changes nothing)
        }
    }

    private func close(reporting error: any Error) {
        if failure == nil { failure = error }
        context?.close(promise: nil)
    }

    /// The response ended: the connection goes back to the pool, or is closed if the
    /// upstream said so.
    private func finishExchange(keepAlive: Bool) {
        state = .idle
        deadline = nil
        if readingPaused {
            readingPaused = false
            if pendingRead, let context {
                pendingRead = false
                context.read()
            }
        }
        if keepAlive, context?.channel.isActive == true {
            pool.release(self)
        } else {
            context?.close(promise: nil)
        }
    }

    /// Answers an exchange whose head arrived but not yet its end: the body streams on,
    /// starting with `parts`.
    private func answerStreaming(_ exchange: UpstreamExchange, _ head: HTTPResponseHead, _ parts: [ByteBuffer]) {
        exchange.keepAlive = head.isKeepAlive
        let stream = UpstreamBodyStream(connection: self, parts: parts)
        state = .streaming(exchange, stream)
        readingPaused = stream.isFull
        exchange.succeed(UpstreamResponse(status: Int(head.status.code), headers: head.headers, body: UpstreamBody(stream: stream)))
    }

    // MARK: Timeouts

    private func arm(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        if let timerAt, timerAt <= newDeadline { return }  // fires early and re-arms itself
        timer?.cancel()
        timerAt = newDeadline
        timer = eventLoop.scheduleTask(deadline: newDeadline) { self.timerFired() }
    }

    private func timerFired() {
        timer = nil
        timerAt = nil
        guard let deadline else { return }
        let error: UpstreamClientError
        switch state {
        case .awaitingHead(let exchange):
            error = .firstByteTimeout(exchange.firstByteTimeout)
        case .streaming(let exchange, _):
            // Silence while the reader is slow is not the upstream's.
            if readingPaused { arm(.now() + exchange.read); return }
            error = .readTimeout(exchange.readTimeout)
        default:
            return
        }
        if deadline > .now() {
            arm(deadline)
            return
        }
        close(reporting: error)
    }

    // MARK: ChannelHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        counted = true
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .awaitingHead(let exchange) = state else {
                if case .closed = state { return }
                close(reporting: UpstreamClientError.invalidResponse("a response nobody asked for"))
                return
            }
            if head.status.code >= 100 && head.status.code < 200 && head.status.code != 101 {
                skippingInformational = true  // 100 Continue and friends: the real head follows
                return
            }
            state = .receivingHead(exchange, head, [])
            arm(.now() + exchange.read)
        case .body(let part):
            switch state {
            case .receivingHead(let exchange, let head, var parts):
                state = .closed  // drops the array's other reference so the append does not copy
                parts.append(part)
                state = .receivingHead(exchange, head, parts)
            case .streaming(let exchange, let stream):
                arm(.now() + exchange.read)
                if !stream.yield(part) { readingPaused = true }
            default:
                break
            }
        case .end:
            if skippingInformational {
                skippingInformational = false
                return
            }
            switch state {
            // The connection goes back to the pool before the caller hears of the end: a
            // caller quick to send its next request then finds it idle instead of opening
            // another one.
            case .receivingHead(let exchange, let head, let parts):
                state = .idle
                finishExchange(keepAlive: head.isKeepAlive)
                exchange.succeed(UpstreamResponse(status: Int(head.status.code), headers: head.headers, body: UpstreamBody(complete: parts)))
            case .streaming(let exchange, let stream):
                finishExchange(keepAlive: exchange.keepAlive)
                stream.finish(nil)
            default:
                break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .receivingHead(let exchange, let head, let parts) = state {
            answerStreaming(exchange, head, parts)
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if readingPaused {
            pendingRead = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A body cut short by the close is reported as such by channelInactive; other
        // parser errors mean the upstream does not speak HTTP/1.1 (resets say nothing more).
        if failure == nil, (error is HTTPParserError && (error as? HTTPParserError) != .invalidEOFState) || error is NIOHTTPDecoderError {
            failure = UpstreamClientError.invalidResponse(String(describing: error))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        timerAt = nil
        deadline = nil
        let failure = self.failure
        switch state {
        case .awaitingHead(let exchange):
            exchange.fail(failure ?? UpstreamClientError.closedBeforeHead)
        case .receivingHead(let exchange, let head, let parts):
            // Hand over what came; reading on ends in the error.
            let stream = UpstreamBodyStream(connection: self, parts: parts)
            stream.finish(failure ?? UpstreamClientError.closedMidBody)
            exchange.succeed(UpstreamResponse(status: Int(head.status.code), headers: head.headers, body: UpstreamBody(stream: stream)))
        case .streaming(_, let stream):
            stream.finish(failure ?? UpstreamClientError.closedMidBody)
        case .idle, .closed:
            break
        }
        state = .closed
        if counted {
            counted = false
            pool.connectionClosed(self)
        }
        context.fireChannelInactive()
    }
}
