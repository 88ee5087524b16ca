import ContinuumGateway
import Testing

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresAndLetsOneProbeThroughPerInterval() {
        let b = CircuitBreaker(failureThreshold: 3, probeInterval: .seconds(10))
        let t0 = ContinuousClock.now
        #expect(!b.recordFailure(now: t0) && !b.recordFailure(now: t0))
        b.recordSuccess()  // a success resets the count
        #expect(!b.recordFailure(now: t0) && !b.recordFailure(now: t0))
        #expect(b.state == .closed && b.allowsRequest(now: t0))
        #expect(b.recordFailure(now: t0))
        #expect(b.state == .open)
        #expect(!b.allowsRequest(now: t0 + .seconds(5)))
        #expect(b.allowsRequest(now: t0 + .seconds(10)))  // one probe
        #expect(!b.allowsRequest(now: t0 + .seconds(11)))
        b.recordSuccess()  // the probe (or a health check) succeeded
        #expect(b.state == .closed && b.allowsRequest(now: t0 + .seconds(11)))
    }

    @Test func aFailedHealthCheckOpensAtOnce() {
        let b = CircuitBreaker(failureThreshold: 5)
        b.recordUnhealthy()
        #expect(b.state == .open && !b.isClosed)
        b.recordSuccess()
        #expect(b.state == .closed)
    }
}
