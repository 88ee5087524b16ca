import ContinuumGateway
import Testing

@Suite struct MinuteWindowTests {
    @Test func requestsPerMinuteHoldForAnySixtySeconds() {
        var w = MinuteWindow(perMinute: 3)
        #expect(w.take(now: 0.5) == nil)
        #expect(w.take(now: 10) == nil)
        #expect(w.take(now: 30) == nil)
        let wait = w.take(now: 30)
        // The first slot ([0, 1)) leaves the window once all of it is 60 s old: at 61.
        #expect(wait != nil && abs(wait! - 31) < 1e-9)
        #expect(w.take(now: 60.9) != nil)
        #expect(w.take(now: 61) == nil)
        #expect(w.take(now: 61) != nil)  // 10 s and 30 s are still inside
        #expect(w.take(now: 71) == nil)
    }

    /// A bucket holding N and refilling N a minute admits 2N in the first minute; the window
    /// never admits more than N in any 60 s, whatever the arrival pattern.
    @Test(arguments: [1, 7, 600])
    func neverMoreThanTheLimitInAnyMinute(limit: Int) {
        var w = MinuteWindow(perMinute: limit)
        var admitted: [Double] = []
        var t = 0.0
        while t < 300 {
            if w.take(now: t) == nil { admitted.append(t) }
            t += 0.037
        }
        for (i, start) in admitted.enumerated() {
            let inMinute = admitted[i...].prefix { $0 < start + 60 }.count
            #expect(inMinute <= limit)
        }
        // And it is not stingy: over 300 s about 5 minutes' worth got through (within the
        // one-second slot rounding).
        #expect(Double(admitted.count) >= Double(limit) * 300 / 61 - 1)
    }

    @Test func chargedUsageCanOverrunAndBlocksUntilItLeaves() {
        var w = MinuteWindow(perMinute: 600)
        #expect(w.waitForPositive(now: 0) == nil)
        w.charge(900, now: 0)
        let wait = w.waitForPositive(now: 5)
        #expect(wait != nil && abs(wait! - 56) < 1e-9)
        #expect(w.waitForPositive(now: 61) == nil)
    }

    @Test func zeroLimitNeverAdmits() {
        var w = MinuteWindow(perMinute: 0)
        #expect(w.take(now: 100) == .infinity)
    }

    @Test(arguments: [(rpm: 2, tpm: nil as Int?, admitted: 2), (rpm: 100, tpm: 50, admitted: 1)])
    func limiterAppliesBothLimits(rpm: Int, tpm: Int?, admitted: Int) {
        let l = RateLimiter()
        var ok = 0
        for _ in 0..<5 {
            if l.admit(key: 1, requestsPerMinute: rpm, tokensPerMinute: tpm, now: 0) == nil {
                ok += 1
                l.charge(key: 1, tokens: 60, now: 0)
            }
        }
        #expect(ok == admitted)
    }
}
