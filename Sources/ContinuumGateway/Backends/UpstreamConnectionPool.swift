import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The keep-alive connections of one ``UpstreamClient``: idle ones in a LIFO list (the most
/// recently used is the warmest, and the others may time out upstream), new ones opened on
/// demand up to `maxConnections`, and past that a bounded FIFO of waiting requests.
final class UpstreamConnectionPool: Sendable {
    /// What a request gets: an idle connection, or the right to open one on an event loop.
    enum Lease: Sendable {
        case connection(UpstreamConnection)
        case create(any EventLoop)
    }

    private struct MustWait: Error { let id: UInt64 }

    private struct Waiter {
        let id: UInt64
        let continuation: UnsafeContinuation<Lease, any Error>
    }

    private struct State {
        var idle: [UpstreamConnection] = []
        /// Connections open or being opened; at most `maxConnections`.
        var open = 0
        var waiters = CircularBuffer<Waiter>(initialCapacity: 16)
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    let maxConnections: Int
    let maxWaiting: Int
    let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())

    init(maxConnections: Int, maxWaiting: Int, group: any EventLoopGroup) {
        self.maxConnections = max(1, maxConnections)
        self.maxWaiting = max(0, maxWaiting)
        self.group = group
    }

    /// An idle connection (one on the caller's event loop if there is one: no thread hop to
    /// write the request), else the right to open one, else a place in the queue.
    func lease() async throws -> Lease {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        let first: Result<Lease, any Error> = state.withLockedValue { s in
            if let lease = take(&s, preferring: current) { return lease }
            s.nextWaiterID &+= 1
            return .failure(MustWait(id: s.nextWaiterID))
        }
        let id: UInt64
        do { return try first.get() } catch let wait as MustWait { id = wait.id }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Lease, any Error>) in
                let now: Result<Lease, any Error>? = state.withLockedValue { s in
                    if let lease = take(&s, preferring: current) { return lease }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    guard s.waiters.count < maxWaiting else { return .failure(UpstreamClientError.tooManyWaiting(limit: maxWaiting)) }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLockedValue { s in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Nil when the request has to wait. Waiters come first: a newcomer never overtakes them.
    private func take(_ s: inout State, preferring current: (any EventLoop)?) -> Result<Lease, any Error>? {
        if s.isShutDown { return .failure(UpstreamClientError.shutDown) }
        guard s.waiters.isEmpty else { return nil }
        if !s.idle.isEmpty {
            if let current, let i = s.idle.lastIndex(where: { $0.eventLoop === current }) {
                return .success(.connection(s.idle.remove(at: i)))
            }
            return .success(.connection(s.idle.removeLast()))
        }
        if s.open < maxConnections {
            s.open += 1
            return .success(.create(group.any()))
        }
        return nil
    }

    /// A connection finished its exchange and may carry another (on its event loop).
    func release(_ connection: UpstreamConnection) {
        enum Action { case none, close, hand(Waiter) }
        let action: Action = state.withLockedValue { s in
            if s.isShutDown { return .close }
            if !s.waiters.isEmpty { return .hand(s.waiters.removeFirst()) }
            s.idle.append(connection)
            return .none
        }
        switch action {
        case .none: break
        case .close: _ = connection.close()
        case .hand(let waiter): waiter.continuation.resume(returning: .connection(connection))
        }
    }

    /// A connection that was open is closed (by either side, idle or not).
    func connectionClosed(_ connection: UpstreamConnection) {
        let waiter: Waiter? = state.withLockedValue { s in
            if let i = s.idle.firstIndex(where: { $0 === connection }) { s.idle.remove(at: i) }
            s.open -= 1
            return replacement(&s)
        }
        waiter?.continuation.resume(returning: .create(group.any()))
    }

    /// Opening a connection failed: its place goes to the first waiter, which tries itself.
    func connectFailed() {
        let waiter: Waiter? = state.withLockedValue { s in
            s.open -= 1
            return replacement(&s)
        }
        waiter?.continuation.resume(returning: .create(group.any()))
    }

    private func replacement(_ s: inout State) -> Waiter? {
        guard !s.isShutDown, s.open < maxConnections, !s.waiters.isEmpty else { return nil }
        s.open += 1
        return s.waiters.removeFirst()
    }

    /// Fails the waiters and closes the idle connections; busy ones close when their
    /// exchange ends. Returns when the idle ones are closed.
    func shutdown() -> EventLoopFuture<Void>? {
        let (idle, waiters): ([UpstreamConnection], [Waiter]) = state.withLockedValue { s in
            guard !s.isShutDown else { return ([], []) }
            s.isShutDown = true
            let taken = (s.idle, Array(s.waiters))
            s.idle = []
            s.waiters.removeAll()
            return taken
        }
        for waiter in waiters { waiter.continuation.resume(throwing: UpstreamClientError.shutDown) }
        guard !idle.isEmpty else { return nil }
        let closes = idle.map { $0.close() }
        return EventLoopFuture.andAllComplete(closes, on: closes[0].eventLoop)
    }
}
