import ContinuumReplay
import ContinuumRouting
import Foundation
import Testing

/// A small trace with shared prefixes: 5 "documents" of 6 blocks, each asked 8 times with
/// its own 1-block question, random arrivals from a fixed seed. (5 documents on 4 replicas:
/// round-robin does not line up with them by accident.)
func sharedPrefixTrace(requests: Int = 40, seed: UInt64 = 3) -> [TraceRequest] {
    var rng = SplitMix64(seed: seed)
    var t = 0.0
    return (0..<requests).map { i in
        t += Double.random(in: 0..<0.4, using: &rng)
        let doc = UInt64(i % 5)
        let ids = (0..<6).map { doc * 100 + UInt64($0) } + [10_000 + UInt64(i)]
        return TraceRequest(arrival: t, promptTokens: 7 * 512 - 100, outputTokens: 20, blockHashes: BlockChain.hashes(ids), blockSize: 512)
    }
}

@Suite struct SimulatorTests {
    let config = Simulator.Configuration(replicas: 4, profile: .a100Llama2_7B, loadFactor: 1)

    @Test func sameSeedSameResult() {
        let trace = sharedPrefixTrace()
        let a = Simulator(config).run(trace, policy: PowerOfTwoPolicy(seed: 5))
        let b = Simulator(config).run(trace, policy: PowerOfTwoPolicy(seed: 5))
        #expect(a.outcomes == b.outcomes)
        #expect(a.rejected == 0 && a.completed.count == 40)
    }

    @Test func prefixAwareRoutingHitsTheCacheMoreThanRoundRobin() {
        let trace = sharedPrefixTrace()
        let rr = Simulator(config).run(trace, policy: RoundRobinPolicy())
        let cont = Simulator(config).run(trace, policy: ContinuumPrefixPolicy())
        // After each document's first request, 6 of its 7 blocks can be cached.
        #expect(cont.hitRate > 0.7 && cont.hitRate > rr.hitRate + 0.1, "continuum \(cont.hitRate) rr \(rr.hitRate)")
        #expect(cont.meanTTFT < rr.meanTTFT)
    }

    @Test func anUnloadedRequestTakesItsPrefillTime() {
        let trace = [TraceRequest(arrival: 0, promptTokens: 2048, outputTokens: 1, blockHashes: BlockChain.unique(request: 0, blocks: 4), blockSize: 512)]
        let r = Simulator(config).run(trace, policy: RoundRobinPolicy())
        let expected = EngineProfile.a100Llama2_7B.stepSeconds(prefill: [(2048, 0)], decodeContexts: [])
        #expect(abs((r.outcomes[0].timeToFirstToken ?? 0) - expected) < 1e-9)
        #expect(expected > 0.13 && expected < 0.2)  // vidur's A100 Llama-2-7B: ~160 ms for 2,048 tokens
    }

    /// A link adds its round trip to an unloaded request's TTFT (half on the way there, half
    /// back), replica k using element k of the list.
    @Test(arguments: [([Double](), 0.0, 0.0), ([0.005, 0.040], 0.005, 0.040), ([0.010], 0.010, 0.010)])
    func aLinkAddsItsRoundTrip(links: [Double], first: Double, second: Double) {
        let trace = (0..<2).map { i in
            TraceRequest(arrival: Double(i) * 10, promptTokens: 2048, outputTokens: 1, blockHashes: BlockChain.unique(request: i, blocks: 4), blockSize: 512)
        }
        let r = Simulator(.init(replicas: 2, profile: .a100Llama2_7B, linkRoundTrips: links)).run(trace, policy: RoundRobinPolicy())
        let prefill = EngineProfile.a100Llama2_7B.stepSeconds(prefill: [(2048, 0)], decodeContexts: [])
        #expect(r.outcomes.map(\.replica) == [0, 1])
        #expect(abs((r.outcomes[0].timeToFirstToken ?? 0) - (prefill + first)) < 1e-9)
        #expect(abs((r.outcomes[1].timeToFirstToken ?? 0) - (prefill + second)) < 1e-9)
        #expect(r.outcomes[1].arrival == 10)
    }

    @Test func aRequestLargerThanTheCacheIsRejectedNotHung() {
        var p = EngineProfile.cpuSmolLM2
        p.kvCapacityTokens = 1024
        let trace = [TraceRequest(arrival: 0, promptTokens: 4096, outputTokens: 4, blockHashes: BlockChain.unique(request: 0, blocks: 8), blockSize: 512),
                     TraceRequest(arrival: 1, promptTokens: 100, outputTokens: 4, blockHashes: BlockChain.unique(request: 1, blocks: 1), blockSize: 512)]
        let r = Simulator(.init(replicas: 1, profile: p)).run(trace, policy: RoundRobinPolicy())
        #expect(r.rejected == 1 && r.completed.count == 1)
    }
}

@Suite struct TraceReaderTests {
    @Test func readsMooncakeAzureAndLengthFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let m = dir.appendingPathComponent("m.jsonl").path
        try """
        {"timestamp": 0, "input_length": 1000, "output_length": 5, "hash_ids": [0, 1]}
        {"timestamp": 1500, "input_length": 600, "output_length": 2, "hash_ids": [0, 7]}
        """.write(toFile: m, atomically: true, encoding: .utf8)
        let t = try TraceReaders.mooncake(path: m)
        #expect(t.count == 2 && t[1].arrival == 1.5 && t[0].blockHashes[0] == t[1].blockHashes[0] && t[0].blockHashes[1] != t[1].blockHashes[1])

        let a = dir.appendingPathComponent("a.csv").path
        try "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:17:03.9799600,100,5\r\n2023-11-16 18:17:05.4799600,50,1\r\n"
            .write(toFile: a, atomically: true, encoding: .utf8)
        let az = try TraceReaders.azure(path: a)
        #expect(az.count == 2 && abs(az[1].arrival - 1.5) < 1e-6 && az[0].blockHashes[0] != az[1].blockHashes[0])

        let l = dir.appendingPathComponent("l.csv").path
        try "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n100,10,110,10\n200,20,220,10\n".write(toFile: l, atomically: true, encoding: .utf8)
        let ls = try TraceReaders.lengths(path: l, requestsPerSecond: 2, seed: 1)
        #expect(ls.count == 2 && ls[0].promptTokens == 100 && ls[1].arrival > ls[0].arrival)

        let bad = dir.appendingPathComponent("bad.jsonl").path
        try "{\"timestamp\": 0}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: TraceError.self) { try TraceReaders.mooncake(path: bad) }
        #expect(throws: TraceError.self) { try TraceReaders.azure(path: m) }
    }
}
