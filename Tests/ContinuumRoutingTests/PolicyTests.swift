import ContinuumRouting
import Testing

/// Requests whose block hashes are given directly: equal leading numbers = shared prefix.
func request(_ blocks: [UInt64], blockSize: Int = 10, tokens: Int? = nil) -> RoutingRequest {
    RoutingRequest(blockHashes: blocks, blockSize: blockSize, promptTokens: tokens ?? blocks.count * blockSize)
}

func loads(_ outstanding: [Int], pending: [Int]? = nil, healthy: [Bool]? = nil) -> [ReplicaLoad] {
    outstanding.indices.map {
        ReplicaLoad(outstanding: outstanding[$0], pendingPrefillTokens: pending?[$0] ?? 0, prefillTokensPerSecond: 100,
                    healthy: healthy?[$0] ?? true)
    }
}

@Suite struct LoadPolicyTests {
    @Test func roundRobinSkipsUnhealthy() {
        let p = RoundRobinPolicy()
        let l = loads([0, 0, 0], healthy: [true, false, true])
        #expect((0..<4).map { _ in p.route(request([1]), replicas: l, now: 0).replica } == [0, 2, 0, 2])
    }

    @Test(arguments: [
        ([3, 1, 2], [1]),
        ([0, 5, 0], [0, 2]),
        ([4, 4, 4], [0, 1, 2]),
    ])
    func leastOutstandingPicksAmongTheLeast(outstanding: [Int], allowed: [Int]) {
        let p = LeastOutstandingPolicy()
        for _ in 0..<6 { #expect(allowed.contains(p.route(request([1]), replicas: loads(outstanding), now: 0).replica)) }
    }

    @Test func powerOfTwoIsSeededAndNeverPicksTheWorseOfItsTwo() {
        let l = loads([9, 0, 9, 9])
        let a = PowerOfTwoPolicy(seed: 7), b = PowerOfTwoPolicy(seed: 7)
        let picks = (0..<50).map { _ in a.route(request([1]), replicas: l, now: 0).replica }
        #expect(picks == (0..<50).map { _ in b.route(request([1]), replicas: l, now: 0).replica })
        // Replica 1 is in a draw with probability 1/2 and then always wins.
        let ones = picks.filter { $0 == 1 }.count
        #expect(ones > 15 && ones < 40)
    }
}

@Suite struct AIBrixPolicyTests {
    @Test func followsTheLongestPrefixWithinTheLoadBound() {
        let p = AIBrixPrefixCachePolicy(seed: 1)
        let first = p.route(request([1, 2, 3, 4]), replicas: loads([0, 0, 0]), now: 0)
        let again = p.route(request([1, 2, 3, 9]), replicas: loads([0, 0, 0]), now: 1)
        #expect(again.replica == first.replica && again.reason == "prefix match 75%")
        #expect(again.expectedCachedTokens == 30)
    }

    @Test func loadAboveMeanPlusTwoSigmaFallsBackToLeastLoaded() {
        let p = AIBrixPrefixCachePolicy(seed: 1)
        let first = p.route(request([1, 2]), replicas: loads([0, 0, 0, 0]), now: 0).replica
        var l = loads([1, 1, 1, 1])
        l[first].outstanding = 12  // mean 3.75, sample σ 5.5 → bound 14.75: still allowed
        #expect(p.route(request([1, 2]), replicas: l, now: 1).replica == first)
        l = loads([0, 0, 0, 0, 0, 0, 0, 0])
        l[first].outstanding = 12  // 8 pods: mean 1.5, σ 4.24 → bound 9.99: excluded
        let d = p.route(request([1, 2]), replicas: l, now: 2)
        #expect(d.replica != first && d.reason == "no usable match: least loaded")
    }

    @Test func imbalanceGateRestrictsToTheLeastLoaded() {
        let p = AIBrixPrefixCachePolicy(imbalanceAbsCount: 16, seed: 1)
        _ = p.route(request([5, 6]), replicas: loads([0, 30]), now: 0)  // lands on 0 (least loaded)
        let d = p.route(request([7, 8]), replicas: loads([20, 3]), now: 1)  // 17 > 16: only replica 1
        #expect(d.replica == 1 && d.reason.hasPrefix("load imbalance"))
    }

    @Test func entriesExpireAfterTheTTL() {
        let p = AIBrixPrefixCachePolicy(ttlSeconds: 10, seed: 3)
        let r = p.route(request([1, 2]), replicas: loads([0, 0, 0]), now: 0).replica
        #expect(p.route(request([1, 2]), replicas: loads([0, 0, 0]), now: 5).replica == r)
        let late = p.route(request([1, 2]), replicas: loads([0, 0, 0]), now: 16)
        #expect(late.reason == "no usable match: least loaded")
    }
}

@Suite struct SGLangPolicyTests {
    @Test func matchAboveThresholdGoesToTheOwnerElseToTheSmallestCache() {
        let p = SGLangCacheAwarePolicy()
        let a = p.route(request([1, 2, 3, 4]), replicas: loads([0, 0]), now: 0)
        #expect(a.reason == "low match: smallest cache")
        let b = p.route(request([9, 9, 9]), replicas: loads([0, 0]), now: 1)
        #expect(b.replica != a.replica)  // the other one holds less
        let c = p.route(request([1, 2, 7, 8]), replicas: loads([0, 0]), now: 2)  // 50% > 30%
        #expect(c.replica == a.replica && c.reason == "cache match 50%" && c.expectedCachedTokens == 20)
        let d = p.route(request([1, 5, 6, 7]), replicas: loads([0, 0]), now: 3)  // 25% ≤ 30%
        #expect(d.reason == "low match: smallest cache")
    }

    @Test(arguments: [
        ([100, 10], true),   // 90 > 64 and 100 > 15
        ([70, 5], true),
        ([60, 0], false),    // 60 ≤ 64
        ([200, 150], false), // 50 ≤ 64
    ])
    func imbalanceNeedsBothThresholds(outstanding: [Int], imbalanced: Bool) {
        let p = SGLangCacheAwarePolicy()
        _ = p.route(request([1, 2]), replicas: loads([0, 0]), now: 0)
        let d = p.route(request([1, 2]), replicas: loads(outstanding), now: 1)
        #expect((d.reason == "imbalanced: least loaded") == imbalanced)
        if imbalanced { #expect(d.replica == 1) }
    }
}

@Suite struct ContinuumPolicyTests {
    @Test func exactMatchFromKVEventsAndPredictedTTFT() {
        let p = ContinuumPrefixPolicy()
        for r in 0..<3 { p.observe(.subscribed(replica: r), now: 0) }
        p.observe(.stored(replica: 2, hashes: [1, 2, 3]), now: 0)
        let d = p.route(request([1, 2, 3, 4]), replicas: loads([0, 0, 0]), now: 1)
        #expect(d.replica == 2 && d.expectedCachedTokens == 30)
        p.observe(.evicted(replica: 2, hashes: [2, 3]), now: 2)
        let e = p.route(request([1, 2, 3, 4]), replicas: loads([0, 0, 0]), now: 3)
        #expect(e.replica == 2 && e.expectedCachedTokens == 10)
    }

    @Test(arguments: [
        // 40-token prompt, 20 tokens cached on replica 0, 100 tok/s; score = (pending + uncached)/100 + w·uncached/100.
        (0.0, 10, 0),  // 0.3 s < 0.4 s
        (0.0, 30, 1),  // 0.5 s > 0.4 s
        (1.0, 30, 0),  // 0.5 + 0.2 < 0.4 + 0.4
        (1.0, 50, 1),  // 0.7 + 0.2 > 0.8
    ])
    func queuedPrefillOutweighsACacheHitWhenItShould(weight: Double, pending: Int, expected: Int) {
        let p = ContinuumPrefixPolicy(recomputeWeight: weight)
        for r in 0..<2 { p.observe(.subscribed(replica: r), now: 0) }
        p.observe(.stored(replica: 0, hashes: [1, 2]), now: 0)
        #expect(p.route(request([1, 2, 3, 4]), replicas: loads([0, 0], pending: [pending, 0]), now: 1).replica == expected)
    }

    @Test func blocksSentToAReplicaCountAsCachedThereForRequestsQueuedBehind() {
        let p = ContinuumPrefixPolicy()
        for r in 0..<2 { p.observe(.subscribed(replica: r), now: 0) }
        let first = p.route(request([1, 2, 3]), replicas: loads([0, 0]), now: 0)
        var l = loads([1, 0], pending: [30, 0])
        if first.replica == 1 { l.reverse() }
        // Behind the first request, its blocks will be there: (30 + 0)/100 + 0 < 30/100 + 30/100.
        let second = p.route(request([1, 2, 3]), replicas: l, now: 0.1)
        #expect(second.replica == first.replica && second.expectedCachedTokens == 30)
    }

    @Test func withoutEventsItAssumesWhatItSentAndForgetsRemovedReplicas() {
        let p = ContinuumPrefixPolicy(assumedTTLSeconds: 100)
        let first = p.route(request([1, 2, 3]), replicas: loads([0, 0]), now: 0)
        let second = p.route(request([1, 2, 3]), replicas: loads([0, 0]), now: 1)
        #expect(second.replica == first.replica && second.expectedCachedTokens == 30)
        p.observe(.removed(replica: first.replica), now: 2)
        #expect(p.route(request([1, 2, 3]), replicas: loads([0, 0]), now: 3).expectedCachedTokens == 0)
    }
}
