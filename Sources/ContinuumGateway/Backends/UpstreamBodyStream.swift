import NIOConcurrencyHelpers
import NIOCore

/// The bounded buffer between a connection's event loop, which yields body parts as they
/// arrive, and the one task that reads them. Past `highWatermark` buffered bytes the
/// connection stops reading from the socket (so a slow reader slows the upstream through TCP
/// instead of growing memory); below `lowWatermark` it reads again.
///
/// One lock-protected state instead of NIOAsyncSequenceProducer: a response needs one
/// allocation here, and the producer side never waits for the consumer.
final class UpstreamBodyStream: Sendable {
    static let highWatermark = 256 * 1024
    static let lowWatermark = 64 * 1024

    private struct State {
        var parts: CircularBuffer<ByteBuffer>
        var bytes = 0
        /// Set once: by the upstream's end (success), a failure, or the reader giving up.
        var end: Result<Void, any Error>?
        /// The reader, suspended in `next()` on an empty buffer.
        var waiter: UnsafeContinuation<ByteBuffer?, any Error>?
        /// The connection was told to stop reading.
        var producerPaused = false
        /// The reader saw the end, was cancelled, or was dropped: later parts are discarded.
        var consumerDone = false

        mutating func take() -> Take {
            if !parts.isEmpty {
                let part = parts.removeFirst()
                bytes -= part.readableBytes
                if producerPaused && bytes <= UpstreamBodyStream.lowWatermark {
                    producerPaused = false
                    return .part(part, resumeProducer: true)
                }
                return .part(part, resumeProducer: false)
            }
            guard let end else { return .wait }
            consumerDone = true
            switch end {
            case .success: return .end
            case .failure(let e):
                self.end = .success(())  // thrown once; an iterator ends after throwing
                return .failure(e)
            }
        }
    }

    private enum Take {
        case part(ByteBuffer, resumeProducer: Bool)
        case end
        case failure(any Error)
        case wait
    }

    private let state: NIOLockedValueBox<State>
    /// Told to read again or to close; it holds this stream only while the body streams.
    private let connection: UpstreamConnection

    /// `parts`: what arrived together with the head.
    init(connection: UpstreamConnection, parts: [ByteBuffer]) {
        var state = State(parts: CircularBuffer(initialCapacity: max(4, parts.count)))
        for part in parts {
            state.parts.append(part)
            state.bytes += part.readableBytes
        }
        state.producerPaused = state.bytes >= Self.highWatermark
        self.state = NIOLockedValueBox(state)
        self.connection = connection
    }

    /// True when the buffer is full and the connection must stop reading.
    var isFull: Bool { state.withLockedValue { $0.producerPaused } }

    // MARK: Producer (the connection's event loop)

    /// Hands one part to the reader; false when the connection should stop reading.
    func yield(_ part: ByteBuffer) -> Bool {
        let (waiter, keepReading): (UnsafeContinuation<ByteBuffer?, any Error>?, Bool) = state.withLockedValue { s in
            if s.consumerDone || s.end != nil { return (nil, true) }
            if let w = s.waiter {  // a waiting reader implies an empty buffer
                s.waiter = nil
                return (w, true)
            }
            s.parts.append(part)
            s.bytes += part.readableBytes
            if s.bytes >= Self.highWatermark {
                s.producerPaused = true
                return (nil, false)
            }
            return (nil, true)
        }
        waiter?.resume(returning: part)
        return keepReading
    }

    /// The body ended (`error` nil) or broke off.
    func finish(_ error: (any Error)?) {
        let waiter: UnsafeContinuation<ByteBuffer?, any Error>? = state.withLockedValue { s in
            guard s.end == nil else { return nil }
            s.end = error.map { .failure($0) } ?? .success(())
            guard let w = s.waiter else { return nil }
            s.waiter = nil
            s.consumerDone = true
            if error == nil { return w }
            s.end = .success(())
            return w
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    // MARK: Consumer (one task)

    func next() async throws -> ByteBuffer? {
        if let value = try answer(state.withLockedValue { $0.take() }) { return value }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<ByteBuffer?, any Error>) in
                let taken: Take = state.withLockedValue { s in
                    let t = s.take()
                    if case .wait = t {
                        precondition(s.waiter == nil, "an upstream body is read by one task at a time")
                        s.waiter = c
                    }
                    return t
                }
                switch taken {
                case .part(let part, let resume):
                    if resume { connection.resumeReading(self) }
                    c.resume(returning: part)
                case .end: c.resume(returning: nil)
                case .failure(let e): c.resume(throwing: e)
                case .wait: break
                }
            }
        } onCancel: {
            abandon()
        }
    }

    /// The value of a take that needs no waiting; nil for `.wait`.
    private func answer(_ taken: Take) throws -> ByteBuffer?? {
        switch taken {
        case .part(let part, let resume):
            if resume { connection.resumeReading(self) }
            return .some(part)
        case .end: return .some(nil)
        case .failure(let e): throw e
        case .wait: return nil
        }
    }

    /// The reader gave up (cancelled, dropped, or over a limit): a body the upstream has not
    /// finished closes its connection, which can then never carry another request.
    func abandon() {
        let (waiter, unfinished): (UnsafeContinuation<ByteBuffer?, any Error>?, Bool) = state.withLockedValue { s in
            guard !s.consumerDone else { return (nil, false) }
            s.consumerDone = true
            s.parts.removeAll()
            s.bytes = 0
            let unfinished = s.end == nil
            if unfinished { s.end = .failure(CancellationError()) }
            let w = s.waiter
            s.waiter = nil
            return (w, unfinished)
        }
        waiter?.resume(throwing: CancellationError())
        if unfinished { connection.abandon(self) }
    }
}
