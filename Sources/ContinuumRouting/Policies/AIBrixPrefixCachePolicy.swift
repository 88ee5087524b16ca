/// AIBrix's `prefix-cache` router, re-implemented from its public description and source
/// (vllm-project/aibrix, pkg/plugins/gateway/algorithms/prefix_cache.go and
/// pkg/utils/prefixcacheindexer/hash.go at v0.7.0-156-ge3e10f9e; notes in
/// docs/research/routing-baselines.md §1):
///
/// 1. Load gate: if max − min in-flight requests over ready pods exceeds
///    `imbalanceAbsCount`, only the least-loaded pods are candidates (v0.6.0+ behaviour:
///    prefix matching still runs among them).
/// 2. Match: walk the prompt's full blocks in order; a candidate that lacks a block drops
///    out; each pod's score is the integer percent of blocks in its longest matched prefix.
/// 3. Pick: among matched pods (shuffled, then stably sorted by percent descending, load
///    ascending) the first whose load ≤ mean + `standardDeviationFactor` · σ (sample σ over
///    all ready pods); else the least-loaded ready pod, ties at random.
/// 4. Update: the chosen pod is assumed to hold every full block of the prompt (no engine
///    feedback). Index: one LRU of `blockCapacity` block entries, each entry expiring
///    `ttlSeconds` after its last insert.
///
/// Defaults are the deployed ones (config/gateway/gateway-plugin/gateway-plugin.yaml:
/// imbalance 16, σ factor 2; block number 200,000; TTL 20 min); the Go constants are 8 and 1.
/// AIBrix hashes 128-byte blocks of the prompt text; here blocks are the request's KV blocks
/// (a trace gives prefix identity only at that granularity; finer blocks match the same
/// prefixes up to one block).
public final class AIBrixPrefixCachePolicy: RoutingPolicy {
    public let name = "aibrix-prefix-cache"
    public let imbalanceAbsCount: Int
    public let standardDeviationFactor: Double
    public let ttlSeconds: Double
    /// block hash → replica → last insert time
    private var index: LRUMap<UInt64, [Int: Double]>
    private var rng: SplitMix64

    public init(imbalanceAbsCount: Int = 16, standardDeviationFactor: Double = 2, blockCapacity: Int = 200_000,
                ttlSeconds: Double = 20 * 60, seed: UInt64 = 1) {
        self.imbalanceAbsCount = imbalanceAbsCount
        self.standardDeviationFactor = standardDeviationFactor
        self.ttlSeconds = ttlSeconds
        index = LRUMap(capacity: blockCapacity)
        rng = SplitMix64(seed: seed)
    }

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        index.removeOlder(than: now - ttlSeconds)
        let ready = replicas.healthyIndices
        let loads = ready.map { replicas[$0].outstanding }
        var candidates = Set(ready)
        let (minLoad, maxLoad) = (loads.min()!, loads.max()!)
        let imbalanced = maxLoad - minLoad > imbalanceAbsCount
        if imbalanced { candidates = Set(ready.filter { replicas[$0].outstanding == minLoad }) }

        let n = request.fullBlocks
        var matched: [Int: Int] = [:]
        var alive = candidates
        for i in 0..<n {
            guard let holders = index[request.blockHashes[i]] else { break }
            alive = alive.filter { holders[$0] != nil }
            if alive.isEmpty { break }
            for r in alive { matched[r] = (i + 1) * 100 / n }
        }

        var choice: Int?
        var reason = ""
        if !matched.isEmpty {
            let mean = Double(loads.reduce(0, +)) / Double(loads.count)
            let sigma = Self.sampleStandardDeviation(loads.map(Double.init), mean: mean)
            let bound = mean + standardDeviationFactor * sigma
            var pods = Array(matched.keys).sorted()
            pods.shuffle(using: &rng)
            let ranked = pods.enumerated().sorted { a, b in
                let (pa, pb) = (matched[a.element]!, matched[b.element]!)
                if pa != pb { return pa > pb }
                let (la, lb) = (replicas[a.element].outstanding, replicas[b.element].outstanding)
                if la != lb { return la < lb }
                return a.offset < b.offset  // stable
            }.map(\.element)
            if let pod = ranked.first(where: { Double(replicas[$0].outstanding) <= bound }) {
                choice = pod
                reason = "prefix match \(matched[pod]!)%"
            }
        }
        if choice == nil {
            let tied = ready.filter { replicas[$0].outstanding == minLoad }
            choice = tied[Int.random(in: 0..<tied.count, using: &rng)]
            reason = imbalanced ? "load imbalance: least loaded" : "no usable match: least loaded"
        }
        let pod = choice!
        for i in 0..<n {
            var holders = index[request.blockHashes[i]] ?? [:]
            holders[pod] = now
            index.put(request.blockHashes[i], holders, stamp: now)
        }
        return RoutingDecision(replica: pod, reason: reason,
                               expectedCachedTokens: request.tokens(inFirst: (matched[pod] ?? 0) * n / 100))
    }

    public func observe(_ event: RoutingEvent, now: Double) {
        // AIBrix's default mode ignores engine events; a removed pod stops being ready, and
        // its entries age out.
    }

    static func sampleStandardDeviation(_ xs: [Double], mean: Double) -> Double {
        guard xs.count > 1 else { return 0 }
        let s = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (s / Double(xs.count - 1)).squareRoot()
    }
}
