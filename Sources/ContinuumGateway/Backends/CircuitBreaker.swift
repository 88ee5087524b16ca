import Foundation

/// Keeps requests away from a backend that keeps failing. Closed: requests flow, and
/// `failureThreshold` consecutive failures open it. Open: the backend is skipped; a
/// successful health check (or a probe request let through every `probeInterval`, so a
/// backend without health checks can come back) closes it. Thread-safe.
public final class CircuitBreaker: @unchecked Sendable {
    // `@unchecked Sendable`: the state is only touched under `lock`.
    public enum State: String, Sendable { case closed, open }

    public let failureThreshold: Int
    public let probeInterval: Duration
    private let lock = NSLock()
    private var consecutiveFailures = 0
    private var openedAt: ContinuousClock.Instant?
    private var lastProbe: ContinuousClock.Instant?

    public init(failureThreshold: Int = 3, probeInterval: Duration = .seconds(10)) {
        self.failureThreshold = max(1, failureThreshold)
        self.probeInterval = probeInterval
    }

    public var state: State { lock.withLock { openedAt == nil ? .closed : .open } }

    /// Whether a request may go to the backend now. When open, lets one probe request
    /// through per `probeInterval`.
    public func allowsRequest(now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock {
            guard openedAt != nil else { return true }
            if let last = lastProbe, now - last < probeInterval { return false }
            lastProbe = now
            return true
        }
    }

    /// Whether the breaker is closed (for readiness and routing without side effects).
    public var isClosed: Bool { lock.withLock { openedAt == nil } }

    public func recordSuccess() {
        lock.withLock {
            consecutiveFailures = 0
            openedAt = nil
            lastProbe = nil
        }
    }

    /// Counts a failure; returns true when this failure opened the breaker.
    @discardableResult
    public func recordFailure(now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock {
            consecutiveFailures += 1
            guard openedAt == nil, consecutiveFailures >= failureThreshold else {
                if openedAt != nil { lastProbe = now }
                return false
            }
            openedAt = now
            lastProbe = now
            return true
        }
    }

    /// A failed health check opens the breaker at once: the backend is known to be down.
    public func recordUnhealthy(now: ContinuousClock.Instant = .now) {
        lock.withLock {
            consecutiveFailures = max(consecutiveFailures, failureThreshold)
            if openedAt == nil { openedAt = now; lastProbe = now }
        }
    }
}
