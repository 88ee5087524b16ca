import Logging
import NIOCore
import NIOHTTP1

/// Guards one HTTP/1 connection against slow and malformed clients (issue 10). Sits right
/// after NIO's HTTP decoder and encoder, where the request's version and the decoder's errors
/// are still visible: header, body and idle timeouts; HTTP/1.0 responses framed as HTTP/1.0
/// and closed unless the request asked `Connection: keep-alive`; decoder errors and input
/// ending inside a request answered 400, 414 or 431 here, in OpenAI's error shape, instead of
/// reaching the handlers; and a connection over the server's cap answered 503.
/// ``ConnectionGuardState`` decides; this class carries the decisions out on the event loop.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Input read and dropped after the guard's last response (Apache's lingering close).
    static let linger: Duration = .seconds(2)

    private var state: ConnectionGuardState
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var timerDeadline: ContinuousClock.Instant?
    /// Completes when the guard's close of the output has flushed what was written before it.
    private var outputClosed: EventLoopFuture<Void>?
    /// Closes asked for by the handlers while the connection drains.
    private var heldClose: EventLoopPromise<Void>?
    private var closing = false

    /// `requestLineLimit`: the decoder's limit on one field; `rejecting`: the connection is over
    /// the server's cap.
    init(limits: ServerLimits, requestLineLimit: Int, rejecting: Bool, logger: Logger) {
        state = ConnectionGuardState(
            timeouts: .init(header: limits.headerTimeout, body: limits.bodyTimeout, idle: limits.idleTimeout, linger: Self.linger),
            requestLineLimit: requestLineLimit, rejecting: rejecting, now: .now)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        rearm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.closed()
        cancelTimer()
        if let p = heldClose {
            heldClose = nil
            p.succeed()
        }
        context.fireChannelInactive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = ContinuousClock.now
        let action = switch unwrapInboundIn(data) {
        case .head(let head):
            state.head(.init(http10: head.version == .http1_0, keepAlive: head.isKeepAlive), now: now)
        case .body: state.body(now: now)
        case .end: state.end(now: now)
        }
        switch action {
        case .forward: context.fireChannelRead(data)
        case .drop: break
        case .fail(let failure): carryOut(failure, context: context)
        }
        rearm(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        state.readCompleted()
        if state.isDraining { context.read() }  // keep reading what the client still sends, to drop it
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let bytes = event as? ByteArrivalTap.BytesArrived {
            state.bytesArrived(count: bytes.count, lineFeedOffset: bytes.lineFeedOffset, now: .now)
            rearm(context)
            return
        }
        guard let e = event as? ChannelEvent, e == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch state.inputClosed(now: .now) {
        case .forward: context.fireUserInboundEventTriggered(event)
        case .ignore: break
        case .fail(let failure): carryOut(failure, context: context)
        case .close: closeAfterOutput(context)
        }
        rearm(context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? HTTPParserError {
            // Answered here, never passed on: the handlers get a ConnectionRejection instead.
            if let failure = state.decoderError(e, now: .now) { carryOut(failure, context: context) }
            rearm(context)
        } else if state.mode == .open {
            context.fireErrorCaught(error)
        }
        // Otherwise the decoder repeating itself after its first error, or I/O on a connection being closed.
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        state.readRequested(now: .now)
        rearm(context)
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            switch state.responseHead(hasContentLength: head.headers.contains(name: "content-length")) {
            case .drop:
                promise?.fail(ChannelError.outputClosed)
            case .write(let http10, let connection):
                if http10 {
                    head.version = .http1_0
                    head.headers.remove(name: "transfer-encoding")  // HTTP/1.0 has no chunks
                }
                if let connection { head.headers.replaceOrAdd(name: "connection", value: connection) }
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            }
        case .body:
            if state.passesResponse {
                context.write(data, promise: promise)
            } else {
                promise?.fail(ChannelError.outputClosed)
            }
        case .end:
            switch state.responseEnd(now: .now) {
            case .drop: promise?.fail(ChannelError.outputClosed)
            case .forward: context.write(data, promise: promise)
            case .forwardThen(let wrapup):
                context.write(data, promise: promise)
                carryOut(wrapup, context: context)
            }
            rearm(context)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all:
            switch state.downstreamClose(now: .now) {
            case .forward:
                context.close(mode: .all, promise: promise)
            case .deferUntilDrained:
                hold(promise, context: context)
            case .wrapupThenDefer(let wrapup):
                hold(promise, context: context)
                carryOut(wrapup, context: context)
            }
            rearm(context)
        case .output where state.isDraining || closing:
            promise?.succeed()  // the guard closed it already
        default:
            context.close(mode: mode, promise: promise)
        }
    }

    // MARK: Carrying out

    private func carryOut(_ failure: ConnectionGuardState.Failure, context: ChannelHandlerContext) {
        logger.debug("HTTP connection failed", metadata: ["continuum.reason": .string(failure.rejection.label)])
        // A handler reading this request's body gets an error, not a body cut short.
        context.fireErrorCaught(failure.rejection)
        if let wrapup = failure.wrapup { carryOut(wrapup, context: context) }
    }

    private func carryOut(_ wrapup: ConnectionGuardState.Wrapup, context: ChannelHandlerContext) {
        if case .answerAndDrain(let answer) = wrapup {
            let response = answer.rejection.response(version: answer.http10 ? .http1_0 : .http1_1)
            context.write(wrapOutboundOut(.head(response.head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.flush()
        // Queued after the writes above: the client gets them, then end of stream.
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: closed)
        outputClosed = closed.futureResult
        context.read()
    }

    /// Holds a close asked for by the handlers until the drain ends.
    private func hold(_ promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard let promise else { return }
        if let held = heldClose {
            held.futureResult.cascade(to: promise)
        } else {
            heldClose = promise
        }
    }

    /// Closes the channel once what the guard wrote has gone out.
    private func closeAfterOutput(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        let close = { [heldClose] in context.close(mode: .all, promise: heldClose) }
        heldClose = nil
        if let outputClosed {
            outputClosed.assumeIsolated().whenComplete { _ in close() }
        } else {
            close()
        }
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = nil
        switch state.timerFired(now: .now) {
        case .none: break
        case .close: closeAfterOutput(context)
        case .fail(let failure): carryOut(failure, context: context)
        }
        rearm(context)
    }

    /// Schedules the timer for the state's deadline. A timer already due earlier stays: when it
    /// fires it finds nothing to do and schedules the later one (no rescheduling per body part).
    private func rearm(_ context: ChannelHandlerContext) {
        guard let deadline = state.deadline, !closing else { return }
        if let scheduled = timerDeadline, scheduled <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(deadline - .now)) { [self] in
            self.timerFired(context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
