/// Each healthy replica in turn, ignoring load and cache.
public final class RoundRobinPolicy: RoutingPolicy {
    public let name = "round-robin"
    private var next = 0

    public init() {}

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        let healthy = replicas.healthyIndices
        defer { next &+= 1 }
        return RoutingDecision(replica: healthy[next % healthy.count], reason: "round-robin")
    }
}
