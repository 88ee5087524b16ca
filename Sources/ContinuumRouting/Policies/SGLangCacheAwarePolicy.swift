/// SGLang's `cache_aware` router, re-implemented from its public source (sgl-project/sglang
/// sgl-router src/policies/cache_aware.rs, tree.rs, router_args.py; notes in
/// docs/research/routing-baselines.md §2):
///
/// - Imbalanced when max − min in-flight requests > `balanceAbsThreshold` and
///   max > min × `balanceRelThreshold`: the least-loaded worker.
/// - Otherwise the approximate tree's longest match: if matched / prompt >
///   `cacheThreshold`, the worker owning the deepest matched node; else the worker with the
///   least cached text ("most free cache"), regardless of load.
/// - The whole prompt is then inserted under the chosen worker; every
///   `evictionIntervalSeconds` each worker's share is cut back to `maxTreeTokens` (LRU leaves).
///
/// Defaults are the current command line's (router_args.py): 0.3, 64, 1.5, 120 s, and
/// 2^26 characters per worker, here 2^24 tokens (about 4 characters per token).
public final class SGLangCacheAwarePolicy: RoutingPolicy {
    public let name = "sglang-cache-aware"
    public let cacheThreshold: Double
    public let balanceAbsThreshold: Int
    public let balanceRelThreshold: Double
    public let evictionIntervalSeconds: Double
    public let maxTreeTokens: Int
    private var tree = ApproximateRadixTree()
    private var lastEviction: Double?

    public init(cacheThreshold: Double = 0.3, balanceAbsThreshold: Int = 64, balanceRelThreshold: Double = 1.5,
                evictionIntervalSeconds: Double = 120, maxTreeTokens: Int = 1 << 24) {
        self.cacheThreshold = cacheThreshold
        self.balanceAbsThreshold = balanceAbsThreshold
        self.balanceRelThreshold = balanceRelThreshold
        self.evictionIntervalSeconds = evictionIntervalSeconds
        self.maxTreeTokens = maxTreeTokens
    }

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        if let last = lastEviction, now - last >= evictionIntervalSeconds {
            tree.evict(maxTokens: maxTreeTokens)
            lastEviction = now
        } else if lastEviction == nil {
            lastEviction = now
        }
        let healthy = replicas.healthyIndices
        for r in healthy { tree.addTenant(r) }
        let weights = Self.weights(request)
        let loads = replicas.indices.map { replicas[$0].outstanding }
        let (minLoad, maxLoad) = (loads.min()!, loads.max()!)
        let chosen: Int
        let reason: String
        var expected = 0
        if maxLoad - minLoad > balanceAbsThreshold && Double(maxLoad) > Double(minLoad) * balanceRelThreshold {
            chosen = healthy.min { (replicas[$0].outstanding, $0) < (replicas[$1].outstanding, $1) }!
            reason = "imbalanced: least loaded"
        } else {
            let m = tree.match(request.blockHashes, weights: weights, now: now)
            let rate = request.promptTokens == 0 ? 0 : Double(m.tokens) / Double(request.promptTokens)
            if rate > cacheThreshold, let t = m.tenant, healthy.contains(t) {
                chosen = t
                expected = m.tokens
                reason = "cache match \(Int(rate * 100))%"
            } else {
                chosen = tree.smallestTenant(among: healthy)
                reason = "low match: smallest cache"
            }
        }
        tree.insert(request.blockHashes, weights: weights, tenant: chosen, now: now)
        return RoutingDecision(replica: chosen, reason: reason, expectedCachedTokens: expected)
    }

    public func observe(_ event: RoutingEvent, now: Double) {
        if case .removed(let r) = event { tree.removeTenant(r) }
    }

    static func weights(_ r: RoutingRequest) -> [Int] {
        r.blockHashes.indices.map { i in min(r.blockSize, max(0, r.promptTokens - i * r.blockSize)) }
    }

    var cachedTokensPerReplica: [Int: Int] { tree.tenantTokens }
}
