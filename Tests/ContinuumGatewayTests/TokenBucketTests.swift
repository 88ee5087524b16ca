import ContinuumGateway
import Testing

@Suite struct TokenBucketTests {
    @Test func requestsPerMinuteAdmitsABurstThenRefills() {
        var b = TokenBucket(perMinute: 3, now: 0)
        #expect(b.take(now: 0) == nil)
        #expect(b.take(now: 0) == nil)
        #expect(b.take(now: 0) == nil)
        let wait = b.take(now: 0)
        #expect(wait != nil && abs(wait! - 20) < 1e-9)  // one token per 20 s
        #expect(b.take(now: 19.9) != nil)
        #expect(b.take(now: 20.01) == nil)
    }

    @Test func chargedUsageCanGoNegativeAndBlocksUntilRepaid() {
        var b = TokenBucket(perMinute: 600, now: 0)  // 10 tokens/s
        b.charge(900, now: 0)                         // 300 over
        let wait = b.waitForPositive(now: 0)
        #expect(wait != nil && abs(wait! - 30) < 1e-6)
        #expect(b.waitForPositive(now: 31) == nil)
    }

    @Test func zeroLimitNeverAdmits() {
        var b = TokenBucket(perMinute: 0, now: 0)
        #expect(b.take(now: 100) == .infinity)
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
