package import NIOHTTP1

/// The decisions of one ``ConnectionGuard``: which timer runs, whether a request part goes on
/// to the handlers, how a response is framed, and when the guard answers and closes. A value
/// driven by the times it is given, tested by tables without sockets; the handler carries out
/// the actions it returns.
///
/// One timer at a time (``deadline``):
/// - head: `header` from the connection opening, or from the first byte of the next request on
///   a kept-alive connection (never counted before the previous response ended): 408;
/// - body: `body` of silence while a body is arriving and the server is asking for more (a
///   handler that is not reading yet does not make the client slow): 408;
/// - idle: `idle` after the last response while no byte of a next request has come: a quiet close;
/// - none while a handler works on a request whose body has arrived.
///
/// Failing a connection (a timeout, a decoder error, the input ending inside a request): the
/// guard stops passing request parts on and fails the handlers' inbound stream, so a handler
/// reading a body gets an error, never a truncated body. Responses owed to requests received
/// before the failure may finish; then the guard writes its own error response, unless the
/// failing request is already being answered; then it closes its output and reads and drops
/// what the client still sends, for at most `linger`, so the client reads the answer instead
/// of a connection reset.
package struct ConnectionGuardState {
    package typealias Instant = ContinuousClock.Instant

    package struct Timeouts: Sendable, Equatable {
        package var header: Duration
        package var body: Duration
        package var idle: Duration
        /// How long input is read and dropped after the guard's last response, before closing.
        package var linger: Duration

        package init(header: Duration, body: Duration, idle: Duration, linger: Duration) {
            self.header = header
            self.body = body
            self.idle = idle
            self.linger = linger
        }
    }

    /// How one request wants its response framed.
    package struct Framing: Sendable, Equatable {
        package var http10: Bool
        /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
        package var keepAlive: Bool

        package init(http10: Bool, keepAlive: Bool) {
            self.http10 = http10
            self.keepAlive = keepAlive
        }
    }

    /// Where the inbound side is.
    package enum Reading: Equatable {
        /// A request head is arriving, since the connection opened or its first byte came;
        /// `bytes` of it so far, its first line feed (the end of the request line) at `lineFeedAt`.
        case head(since: Instant, bytes: Int, lineFeedAt: Int?)
        /// A body is arriving; nothing came (while the server asked for more) since `silentSince`.
        case body(silentSince: Instant)
        /// The last request is complete and no byte of the next one has come.
        case between(since: Instant)
    }

    package enum Mode: Equatable {
        case open
        /// Failed: `owed` more responses may finish, then `answer` (if any) is written and the
        /// connection drains.
        case finishing(owed: Int, answer: Answer?)
        /// Output closed (or closing); input read and dropped until `until`.
        case draining(until: Instant)
        case closed
    }

    /// The guard's own response.
    package struct Answer: Equatable {
        package var rejection: ConnectionRejection
        package var http10: Bool

        package init(rejection: ConnectionRejection, http10: Bool) {
            self.rejection = rejection
            self.http10 = http10
        }
    }

    /// What to do when nothing more will be sent for the handlers.
    package enum Wrapup: Equatable {
        /// Write the answer, close output, drain input.
        case answerAndDrain(Answer)
        /// Close output, drain input.
        case drain
    }

    /// The guard gives up on the connection: fail the handlers' inbound stream with
    /// `rejection`, then the wrapup (nil: after the owed responses).
    package struct Failure: Equatable {
        package var rejection: ConnectionRejection
        package var wrapup: Wrapup?

        package init(rejection: ConnectionRejection, wrapup: Wrapup?) {
            self.rejection = rejection
            self.wrapup = wrapup
        }
    }

    package enum PartAction: Equatable {
        case forward
        case drop
        case fail(Failure)
    }

    package enum ResponseHead: Equatable {
        case drop
        /// Write it in HTTP/1.0 if `http10`, with `Connection: connection` when not nil.
        case write(http10: Bool, connection: String?)
    }

    package enum ResponseEnd: Equatable {
        case drop
        case forward
        case forwardThen(Wrapup)
    }

    package enum InputClosed: Equatable {
        /// Pass the end of input on (the last request was complete).
        case forward
        case ignore
        case fail(Failure)
        /// Close once the output is closed.
        case close
    }

    package enum DownstreamClose: Equatable {
        case forward
        /// Hold the close until the drain ends.
        case deferUntilDrained
        /// Wrap up, then hold the close until the drain ends.
        case wrapupThenDefer(Wrapup)
    }

    package enum TimerAction: Equatable {
        case none
        /// Close quietly (idle) or end the drain.
        case close
        case fail(Failure)
    }

    package let timeouts: Timeouts
    /// The decoder's limit on one field, the request line's target included.
    package let requestLineLimit: Int
    /// Over the connection cap: the first request (or the header timeout) is answered 503.
    package let rejecting: Bool
    package private(set) var reading: Reading
    package private(set) var mode: Mode = .open
    /// Requests whose head went on and whose response has not ended.
    package private(set) var unanswered = 0
    package private(set) var responseInProgress = false
    /// Framing of each unanswered request, oldest first.
    private var framings: [Framing] = []
    /// Whether the response being written ends the connection.
    private var closeAfterResponse = false
    /// Whether the server has asked for more input and not had it yet.
    private var readPending = true
    private var inputOpen = true
    private var lastResponseEnd: Instant

    package init(timeouts: Timeouts, requestLineLimit: Int = 80 * 1024, rejecting: Bool = false, now: Instant) {
        self.timeouts = timeouts
        self.requestLineLimit = requestLineLimit
        self.rejecting = rejecting
        reading = .head(since: now, bytes: 0, lineFeedAt: nil)
        lastResponseEnd = now
    }

    /// When ``timerFired(now:)`` next has something to do; nil: no timer.
    package var deadline: Instant? {
        switch mode {
        case .draining(let until): return until
        case .finishing, .closed: return nil
        case .open:
            switch reading {
            case .body(let silentSince): return readPending ? silentSince + timeouts.body : nil
            case .head(let since, _, _): return unanswered == 0 ? max(since, lastResponseEnd) + timeouts.header : nil
            case .between(let since): return unanswered == 0 ? max(since, lastResponseEnd) + timeouts.idle : nil
            }
        }
    }

    // MARK: Input

    /// `count` bytes came from the client (before the decoder saw them), the first line feed
    /// among them at `lineFeedOffset`.
    package mutating func bytesArrived(count: Int, lineFeedOffset: Int?, now: Instant) {
        guard mode == .open else { return }
        switch reading {
        case .between: reading = .head(since: now, bytes: count, lineFeedAt: lineFeedOffset)
        case .head(let since, let bytes, let lineFeedAt):
            reading = .head(since: since, bytes: bytes + count, lineFeedAt: lineFeedAt ?? lineFeedOffset.map { bytes + $0 })
        case .body: reading = .body(silentSince: now)
        }
    }

    /// The server asked for more input.
    package mutating func readRequested(now: Instant) {
        guard !readPending else { return }
        readPending = true
        if case .body = reading { reading = .body(silentSince: now) }
    }

    /// A read from the socket finished; the next starts when the server asks again.
    package mutating func readCompleted() {
        readPending = false
    }

    package mutating func head(_ framing: Framing, now: Instant) -> PartAction {
        guard mode == .open else { return .drop }
        if rejecting { return fail(.overCapacity, now: now).map(PartAction.fail) ?? .drop }
        unanswered += 1
        framings.append(framing)
        reading = .body(silentSince: now)
        return .forward
    }

    package mutating func body(now: Instant) -> PartAction {
        guard mode == .open else { return .drop }
        reading = .body(silentSince: now)
        return .forward
    }

    package mutating func end(now: Instant) -> PartAction {
        guard mode == .open else { return .drop }
        reading = .between(since: now)
        return .forward
    }

    /// The decoder could not parse the input. A header overflow is an over-long request line
    /// (414) when the request line (up to its first line feed) is longer than the decoder's field
    /// limit, else over-long headers (431). The head is counted from its first byte read after
    /// the previous request ended; pipelined bytes read together with that end are not counted.
    package mutating func decoderError(_ error: HTTPParserError, now: Instant) -> Failure? {
        var lineEnded = true
        if case .head(_, _, let lineFeedAt) = reading { lineEnded = lineFeedAt.map { $0 <= requestLineLimit } ?? false }
        return fail(ConnectionRejection(error, lineEnded: lineEnded), now: now)
    }

    /// The client closed its side. The decoder reports an end inside a request first (as an
    /// error); this is the fallback for a body.
    package mutating func inputClosed(now: Instant) -> InputClosed {
        inputOpen = false
        switch mode {
        case .open:
            if case .body = reading { return fail(.truncated, now: now).map(InputClosed.fail) ?? .ignore }
            return .forward
        case .finishing: return .ignore
        case .draining:
            mode = .draining(until: now)
            return .close
        case .closed: return .ignore
        }
    }

    // MARK: Output

    package mutating func responseHead(hasContentLength: Bool) -> ResponseHead {
        switch mode {
        case .open: break
        case .finishing(let owed, _) where owed > 0: break
        default: return .drop
        }
        let framing = framings.first ?? Framing(http10: false, keepAlive: true)
        responseInProgress = true
        // An HTTP/1.0 body without a length ends with the connection.
        let keepAlive = framing.keepAlive && (!framing.http10 || hasContentLength)
        closeAfterResponse = !keepAlive
        if framing.http10 { return .write(http10: true, connection: keepAlive ? "keep-alive" : "close") }
        return .write(http10: false, connection: keepAlive ? nil : "close")
    }

    /// Whether a body part or the end of the response being written goes on.
    package var passesResponse: Bool {
        switch mode {
        case .open, .finishing: responseInProgress
        case .draining, .closed: false
        }
    }

    package mutating func responseEnd(now: Instant) -> ResponseEnd {
        guard passesResponse else { return .drop }
        responseInProgress = false
        unanswered -= 1
        if !framings.isEmpty { framings.removeFirst() }
        lastResponseEnd = now
        if case .finishing(let owed, let answer) = mode {
            if owed > 1 && !closeAfterResponse {
                mode = .finishing(owed: owed - 1, answer: answer)
                return .forward
            }
            return .forwardThen(wrapup(answer: closeAfterResponse ? nil : answer, now: now))
        }
        if closeAfterResponse { return .forwardThen(wrapup(answer: nil, now: now)) }
        return .forward
    }

    /// A handler (or Hummingbird on shutdown) closes the whole channel.
    package mutating func downstreamClose(now: Instant) -> DownstreamClose {
        switch mode {
        case .open, .closed: return .forward
        case .finishing(_, let answer): return .wrapupThenDefer(wrapup(answer: responseInProgress ? nil : answer, now: now))
        case .draining: return .deferUntilDrained
        }
    }

    package var isDraining: Bool {
        if case .draining = mode { true } else { false }
    }

    // MARK: Time and the end

    package mutating func timerFired(now: Instant) -> TimerAction {
        guard let deadline, now >= deadline else { return .none }
        switch mode {
        case .draining:
            mode = .closed
            return .close
        case .open:
            switch reading {
            case .head: return fail(.headerTimeout, now: now).map(TimerAction.fail) ?? .none
            case .body: return fail(.bodyTimeout, now: now).map(TimerAction.fail) ?? .none
            case .between:
                mode = .closed
                return .close
            }
        case .finishing, .closed: return .none
        }
    }

    package mutating func closed() {
        mode = .closed
    }

    private mutating func fail(_ rejection: ConnectionRejection, now: Instant) -> Failure? {
        guard mode == .open else { return nil }
        let rejection: ConnectionRejection = rejecting ? .overCapacity : rejection
        // The failing request: a new one (its head never went on), or the newest, whose body
        // is arriving. Responses to the requests before it are owed.
        var owed = unanswered
        var answer: Answer? = Answer(rejection: rejection, http10: false)
        if case .body = reading {
            if unanswered == 0 {
                answer = nil  // already answered (a handler replied before the body ended)
            } else {
                owed -= 1
                answer = Answer(rejection: rejection, http10: framings.last?.http10 ?? false)
                if owed == 0 && responseInProgress {
                    owed = 1  // its own response is under way: let it finish
                    answer = nil
                }
            }
        }
        mode = .finishing(owed: owed, answer: answer)
        return Failure(rejection: rejection, wrapup: owed == 0 ? wrapup(answer: answer, now: now) : nil)
    }

    private mutating func wrapup(answer: Answer?, now: Instant) -> Wrapup {
        mode = .draining(until: inputOpen ? now + timeouts.linger : now)
        return answer.map(Wrapup.answerAndDrain) ?? .drain
    }
}
