/// Continuum's replica policy: exact prefix matching from what the replicas' KV caches
/// really hold, scored by predicted time to first token.
///
/// - Which replica holds which KV block comes from the replicas' KV events (`stored`,
///   `evicted`), in the same block-hash scheme the gateway computes from its own
///   tokenization, so a match is a fact, not a guess. A replica that publishes no events
///   (or whose stream broke) falls back to the baselines' assumption: whatever was sent to
///   it is held, for `assumedTTLSeconds`.
/// - For every healthy replica: cached = tokens of the longest prefix it holds; predicted
///   TTFT = (prefill already queued there + the prompt's uncached tokens) / its prefill
///   rate, plus the decode steps of the sequences running there that those prefill chunks
///   share the replica with. The smallest wins; ties go to fewer requests in flight.
/// - Memory is bounded: at most `blockCapacity` block entries (LRU) in each index.
/// Holder sets are 64-bit masks: replicas from index 64 on are never chosen (a config with
/// more is refused at start, `PolicyCatalog.maxReplicas`); none is reachable from a request.
public final class ContinuumPrefixPolicy: RoutingPolicy {
    public let name = "continuum"
    /// Replicas whose KV blocks one holder mask can record.
    public static let maxReplicas = 64
    /// Tokens per prefill chunk on the replicas (decode steps interleave between chunks).
    public let prefillChunkTokens: Int
    public let assumedTTLSeconds: Double
    /// Weight of the prompt's uncached tokens beyond this request's own wait: prefill spent
    /// now delays the requests behind it, and a duplicated prefix takes cache room from others.
    public let recomputeWeight: Double
    private var exact: LRUMap<UInt64, UInt64>
    /// Blocks of requests routed to a replica that it has not reported stored yet: a request
    /// queued behind them there will find them computed (FCFS admission).
    private var inflight: LRUMap<UInt64, UInt64>
    private var assumed: LRUMap<UInt64, UInt64>
    private var publishers: UInt64 = 0
    private var next = 0

    public init(blockCapacity: Int = 1 << 22, prefillChunkTokens: Int = 512, assumedTTLSeconds: Double = 600,
                recomputeWeight: Double = 1) {
        self.recomputeWeight = recomputeWeight
        exact = LRUMap(capacity: blockCapacity)
        inflight = LRUMap(capacity: blockCapacity)
        assumed = LRUMap(capacity: blockCapacity)
        self.prefillChunkTokens = prefillChunkTokens
        self.assumedTTLSeconds = assumedTTLSeconds
    }

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        assumed.removeOlder(than: now - assumedTTLSeconds)
        inflight.removeOlder(than: now - assumedTTLSeconds)
        let healthy = Array(replicas.prefix(Self.maxReplicas)).healthyIndices
        guard !healthy.isEmpty else { return RoutingDecision(replica: 0, reason: "no replicas", expectedCachedTokens: 0) }
        let matched = longestPrefixes(request, among: healthy)
        var best: (score: Double, load: Int, rank: Int, replica: Int)?
        for (rank, r) in healthy.enumerated() {
            let load = replicas[r]
            let uncached = request.promptTokens - request.tokens(inFirst: matched[r] ?? 0)
            let prefill = Double(load.pendingPrefillTokens + uncached)
            let chunks = (prefill / Double(prefillChunkTokens)).rounded(.up)
            let rate = max(load.prefillTokensPerSecond, 1e-9)
            let ttft = prefill / rate + chunks * Double(load.outstanding) * load.decodeSecondsPerSequence
            let score = ttft + recomputeWeight * Double(uncached) / rate
            let rotated = (rank - next % healthy.count + healthy.count) % healthy.count
            let candidate = (score, load.outstanding, rotated, r)
            if best == nil || (candidate.0, candidate.1, candidate.2) < (best!.score, best!.load, best!.rank) { best = candidate }
        }
        next &+= 1
        let r = best!.replica
        let cachedBlocks = matched[r] ?? 0
        let bit: UInt64 = 1 << UInt64(r)
        for i in 0..<request.fullBlocks {
            let h = request.blockHashes[i]
            if publishers & bit == 0 {
                assumed.put(h, (assumed[h] ?? 0) | bit, stamp: now)
            } else if (exact[h] ?? 0) & bit == 0 {
                inflight.put(h, (inflight[h] ?? 0) | bit, stamp: now)
            }
        }
        let how = publishers & (1 << UInt64(r)) != 0 ? "KV events" : "assumed"
        return RoutingDecision(
            replica: r,
            reason: "predicted TTFT \((best!.score * 1000).rounded() / 1000) s, \(request.tokens(inFirst: cachedBlocks)) cached tokens (\(how))",
            expectedCachedTokens: request.tokens(inFirst: cachedBlocks))
    }

    public func observe(_ event: RoutingEvent, now: Double) {
        switch event {
        case .stored(let r, let hashes):
            let bit: UInt64 = 1 << UInt64(r)
            for h in hashes {
                exact.put(h, (exact[h] ?? 0) | bit, stamp: now)
                if let m = inflight[h] {
                    if m & ~bit == 0 { inflight.remove(h) } else { inflight.update(h) { $0 = m & ~bit } }
                }
            }
        case .evicted(let r, let hashes):
            let bit: UInt64 = 1 << UInt64(r)
            for h in hashes {
                guard let m = exact[h] else { continue }
                if m & ~bit == 0 { exact.remove(h) } else { exact.update(h) { $0 = m & ~bit } }
            }
        case .subscribed(let r):
            forget(r)
            publishers |= 1 << UInt64(r)
        case .removed(let r):
            forget(r)
            publishers &= ~(1 << UInt64(r))
        }
    }

    /// Blocks in the longest prefix of the request each replica holds.
    func longestPrefixes(_ request: RoutingRequest, among healthy: [Int]) -> [Int: Int] {
        var alive: UInt64 = healthy.reduce(0) { $0 | (1 << UInt64($1)) }
        var matched: [Int: Int] = [:]
        for i in 0..<request.fullBlocks {
            let h = request.blockHashes[i]
            let held = (((exact[h] ?? 0) | (inflight[h] ?? 0)) & publishers) | ((assumed[h] ?? 0) & ~publishers)
            alive &= held
            if alive == 0 { break }
            var bits = alive
            while bits != 0 {
                let r = bits.trailingZeroBitCount
                matched[r] = i + 1
                bits &= bits - 1
            }
        }
        return matched
    }

    private func forget(_ r: Int) {
        let keep = ~(UInt64(1) << UInt64(r))
        exact.modifyAll { $0 &= keep; return $0 != 0 }
        inflight.modifyAll { $0 &= keep; return $0 != 0 }
        assumed.modifyAll { $0 &= keep; return $0 != 0 }
    }
}
