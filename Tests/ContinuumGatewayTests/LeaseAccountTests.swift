import ContinuumGateway
import Testing

/// The lease arithmetic of shared rate limits, without a database (SharedRates carries it out).
@Suite struct LeaseAccountTests {
    @Test(arguments: [(60, 1.0), (100, 1.0), (199, 1.0), (600, 6.0), (10_000, 100.0), (0, 1.0)])
    func leaseIsOnePercentOfTheRateAndAtLeastOne(perMinute: Int, lease: Double) {
        #expect(LeaseAccount(kind: .requests, perMinute: perMinute, now: 0).leaseSize == lease)
    }

    @Test func requestsAreServedFromTheLeaseThenAskForMore() {
        var a = LeaseAccount(kind: .requests, perMinute: 600, now: 0)
        #expect(a.admit(now: 0) == .needLease(want: 6))
        a.apply(granted: 6, retryAfter: 0, now: 0)
        for _ in 0..<6 { #expect(a.admit(now: 0.1) == .admitted) }
        #expect(a.units == 0)
        #expect(a.admit(now: 0.2) == .needLease(want: 6))
    }

    @Test func aFullWindowRefusesLocallyUntilTheStoreSaysItHasRoom() {
        var a = LeaseAccount(kind: .requests, perMinute: 60, now: 0)  // 1 a second
        a.apply(granted: 0, retryAfter: 0.75, now: 10)                 // the window frees one in 0.75 s
        guard case .refused(let wait) = a.admit(now: 10) else { Issue.record("not refused"); return }
        #expect(abs(wait - 0.75) < 1e-9)
        #expect(a.admit(now: 10.5) == .refused(wait: 0.25))
        #expect(a.admit(now: 10.75) == .needLease(want: 1))           // ask the store again
    }

    @Test func tokensAdmitWhilePositiveAndAreRepaidFromTheNextLease() {
        var a = LeaseAccount(kind: .tokens, perMinute: 1_000, now: 0)  // lease 10
        a.apply(granted: 10, retryAfter: 0, now: 0)
        #expect(a.admit(now: 0) == .admitted)
        #expect(a.units == 10)                                         // checking costs nothing
        a.charge(45)
        #expect(a.units == -35)
        #expect(a.admit(now: 1) == .needLease(want: 45))               // the overspend plus a lease
        a.apply(granted: 45, retryAfter: 0, now: 1)
        #expect(a.admit(now: 1) == .admitted)
    }

    @Test func refillsAheadBelowHalfALeaseAndReturnsIdleLeases() {
        var a = LeaseAccount(kind: .requests, perMinute: 1_000, now: 0)  // lease 10
        a.apply(granted: 10, retryAfter: 0, now: 0)
        for _ in 0..<5 { _ = a.admit(now: 1) }
        #expect(!a.wantsRefill(now: 1, idleSeconds: 5))                // 5 left: exactly half
        _ = a.admit(now: 1)
        #expect(a.wantsRefill(now: 1, idleSeconds: 5))
        a.taking = true
        #expect(!a.wantsRefill(now: 1, idleSeconds: 5))                // one take at a time
        a.taking = false
        #expect(!a.isIdle(now: 5.9, idleSeconds: 5))
        #expect(a.isIdle(now: 6, idleSeconds: 5))
        #expect(!a.wantsRefill(now: 6, idleSeconds: 5))                // idle: no refill
        #expect(a.drain() == 4)
        #expect(a.units == 0 && !a.isIdle(now: 100, idleSeconds: 5))
    }

    @Test func chargesApplyToTokensOnly() {
        var a = LeaseAccount(kind: .requests, perMinute: 100, now: 0)
        a.apply(granted: 1, retryAfter: 0, now: 0)
        a.charge(500)
        #expect(a.units == 1)
    }
}
