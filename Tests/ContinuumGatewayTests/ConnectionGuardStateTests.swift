import ContinuumGateway
import NIOHTTP1
import Testing

/// ConnectionGuardState by tables, no sockets: timers, HTTP/1.0 framing, decoder errors, and
/// what happens to responses when a connection fails.
@Suite struct ConnectionGuardStateTests {
    typealias State = ConnectionGuardState
    let t0 = ContinuousClock.now
    let timeouts = State.Timeouts(header: .seconds(10), body: .seconds(30), idle: .seconds(60), linger: .seconds(2))
    let http11 = State.Framing(http10: false, keepAlive: true)

    func answer(_ r: ConnectionRejection, http10: Bool = false) -> State.Answer {
        .init(rejection: r, http10: http10)
    }

    /// A connection that has received one complete request and written the head of its response.
    func answering(_ framing: State.Framing, hasContentLength: Bool = true) -> (State, State.ResponseHead) {
        var s = State(timeouts: timeouts, now: t0)
        #expect(s.head(framing, now: t0) == .forward)
        #expect(s.end(now: t0) == .forward)
        #expect(s.deadline == nil)  // a handler is working: no timer
        let head = s.responseHead(hasContentLength: hasContentLength)
        return (s, head)
    }

    @Test func theHeadMustArriveWithinTheHeaderTimeoutOfTheConnectionOpening() {
        var s = State(timeouts: timeouts, now: t0)
        #expect(s.deadline == t0 + .seconds(10))
        s.bytesArrived(count: 1, lineFeedOffset: 0, now: t0 + .seconds(9))  // trickling does not extend it
        #expect(s.timerFired(now: t0 + .seconds(9)) == .none)
        #expect(s.timerFired(now: t0 + .seconds(10))
            == .fail(.init(rejection: .headerTimeout, wrapup: .answerAndDrain(answer(.headerTimeout)))))
        #expect(s.mode == .draining(until: t0 + .seconds(12)))
        #expect(s.timerFired(now: t0 + .seconds(12)) == .close)
    }

    @Test func theBodyTimerCountsSilenceOnlyWhileTheServerAsksForMore() {
        var s = State(timeouts: timeouts, now: t0)
        #expect(s.head(http11, now: t0) == .forward)
        #expect(s.deadline == t0 + .seconds(30))
        s.bytesArrived(count: 100, lineFeedOffset: nil, now: t0 + .seconds(20))
        #expect(s.body(now: t0 + .seconds(20)) == .forward)
        #expect(s.deadline == t0 + .seconds(50))
        s.readCompleted()  // the handler is not reading: the client is not to blame
        #expect(s.deadline == nil)
        s.readRequested(now: t0 + .seconds(100))
        #expect(s.deadline == t0 + .seconds(130))
        #expect(s.timerFired(now: t0 + .seconds(130))
            == .fail(.init(rejection: .bodyTimeout, wrapup: .answerAndDrain(answer(.bodyTimeout)))))
        #expect(s.body(now: t0 + .seconds(131)) == .drop)  // nothing more reaches the handlers
    }

    @Test func aKeptAliveConnectionIdlesThenTheHeaderTimerStartsAtTheFirstByte() {
        var (s, _) = answering(http11)
        #expect(s.responseEnd(now: t0 + .seconds(5)) == .forward)
        #expect(s.deadline == t0 + .seconds(65))  // idle
        s.bytesArrived(count: 1, lineFeedOffset: nil, now: t0 + .seconds(30))
        #expect(s.deadline == t0 + .seconds(40))  // header
        var idle = answering(http11).0
        _ = idle.responseEnd(now: t0)
        #expect(idle.timerFired(now: t0 + .seconds(60)) == .close)  // quietly, no 408
    }

    @Test(arguments: [
        // (HTTP/1.0, keep-alive asked, Content-Length) → (written as, Connection header, closes after)
        (false, true, false, false, nil, false),
        (false, false, true, false, "close", true),
        (true, false, true, true, "close", true),
        (true, true, true, true, "keep-alive", false),
        (true, true, false, true, "close", true),  // HTTP/1.0 without a length ends with the connection
    ] as [(Bool, Bool, Bool, Bool, String?, Bool)])
    func responsesAreFramedForTheRequestsVersion(_ c: (Bool, Bool, Bool, Bool, String?, Bool)) {
        var (s, head) = answering(.init(http10: c.0, keepAlive: c.1), hasContentLength: c.2)
        #expect(head == .write(http10: c.3, connection: c.4))
        #expect(s.responseEnd(now: t0) == (c.5 ? .forwardThen(.drain) : .forward))
    }

    @Test(arguments: [
        // (first line feed in two reads of 60 KiB, decoder error) → rejection and its status
        ([nil, nil], HTTPParserError.headerOverflow, ConnectionRejection.requestLineTooLong, 414),
        ([nil, 30_000], .headerOverflow, .requestLineTooLong, 414),  // a 90 KB request line: past the 80 KiB limit
        ([nil, 10_000], .headerOverflow, .headersTooLarge, 431),
        ([30, nil], .headerOverflow, .headersTooLarge, 431),
        ([30, nil], .invalidMethod, .malformed(.invalidMethod), 400),
    ] as [([Int?], HTTPParserError, ConnectionRejection, UInt)])
    func decoderErrorsInAHeadAreAnsweredByTheGuard(_ c: ([Int?], HTTPParserError, ConnectionRejection, UInt)) {
        var s = State(timeouts: timeouts, requestLineLimit: 80 * 1024, now: t0)
        for lineFeed in c.0 { s.bytesArrived(count: 60 * 1024, lineFeedOffset: lineFeed, now: t0) }
        #expect(s.decoderError(c.1, now: t0) == .init(rejection: c.2, wrapup: .answerAndDrain(answer(c.2))))
        #expect(c.2.status.code == c.3)
    }

    @Test func aBrokenBodyIsAnsweredInTheRequestsVersionAndItsHandlersResponseDropped() {
        var s = State(timeouts: timeouts, now: t0)
        #expect(s.head(.init(http10: true, keepAlive: false), now: t0) == .forward)
        #expect(s.decoderError(.invalidChunkSize, now: t0)
            == .init(rejection: .malformed(.invalidChunkSize), wrapup: .answerAndDrain(answer(.malformed(.invalidChunkSize), http10: true))))
        #expect(s.responseHead(hasContentLength: true) == .drop)  // the handler's 500 for the failed body
        #expect(!s.passesResponse)
        #expect(s.downstreamClose(now: t0) == .deferUntilDrained)
        #expect(s.inputClosed(now: t0) == .close)
    }

    @Test func anEndOfInputInsideABodyFailsIt() {
        var s = State(timeouts: timeouts, now: t0)
        _ = s.head(http11, now: t0)
        #expect(s.inputClosed(now: t0) == .fail(.init(rejection: .truncated, wrapup: .answerAndDrain(answer(.truncated)))))
        #expect(s.mode == .draining(until: t0))  // the client is gone: close once the answer is out
        var complete = answering(http11).0
        #expect(complete.inputClosed(now: t0) == .forward)  // after a whole request it is no error
    }

    @Test func aFailureWaitsForTheResponseInProgressThenAnswers() {
        var (s, _) = answering(http11)  // a response is being written; then garbage arrives
        s.bytesArrived(count: 10, lineFeedOffset: 3, now: t0)
        #expect(s.decoderError(.invalidMethod, now: t0) == .init(rejection: .malformed(.invalidMethod), wrapup: nil))
        #expect(s.passesResponse)
        #expect(s.responseEnd(now: t0) == .forwardThen(.answerAndDrain(answer(.malformed(.invalidMethod)))))
    }

    @Test func aFailedRequestAlreadyBeingAnsweredGetsNoSecondAnswer() {
        var s = State(timeouts: timeouts, now: t0)
        _ = s.head(http11, now: t0)
        _ = s.responseHead(hasContentLength: true)  // the handler answered before reading the body
        #expect(s.timerFired(now: t0 + .seconds(30)) == .fail(.init(rejection: .bodyTimeout, wrapup: nil)))
        #expect(s.responseEnd(now: t0 + .seconds(31)) == .forwardThen(.drain))
    }

    @Test func aConnectionOverTheCapIsAnswered503WhateverHappens() {
        var s = State(timeouts: timeouts, rejecting: true, now: t0)
        #expect(s.head(http11, now: t0) == .fail(.init(rejection: .overCapacity, wrapup: .answerAndDrain(answer(.overCapacity)))))
        var silent = State(timeouts: timeouts, rejecting: true, now: t0)
        #expect(silent.timerFired(now: t0 + .seconds(10))
            == .fail(.init(rejection: .overCapacity, wrapup: .answerAndDrain(answer(.overCapacity)))))
        #expect(ConnectionRejection.overCapacity.retryAfterSeconds == 1)
        #expect(ConnectionRejection.overCapacity.status == .serviceUnavailable)
    }
}
