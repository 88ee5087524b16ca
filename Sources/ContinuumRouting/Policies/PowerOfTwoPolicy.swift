/// Power of two choices: two distinct healthy replicas at random, the less loaded one
/// (Mitzenmacher). Seeded, so runs repeat.
public final class PowerOfTwoPolicy: RoutingPolicy {
    public let name = "power-of-two"
    private var rng: SplitMix64

    public init(seed: UInt64 = 1) { rng = SplitMix64(seed: seed) }

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        let healthy = replicas.healthyIndices
        guard healthy.count > 1 else { return RoutingDecision(replica: healthy[0], reason: "only healthy replica") }
        let a = Int.random(in: 0..<healthy.count, using: &rng)
        var b = Int.random(in: 0..<(healthy.count - 1), using: &rng)
        if b >= a { b += 1 }
        let (x, y) = (healthy[a], healthy[b])
        let pick = replicas[y].outstanding < replicas[x].outstanding ? y : x
        return RoutingDecision(replica: pick, reason: "less loaded of two random")
    }
}
