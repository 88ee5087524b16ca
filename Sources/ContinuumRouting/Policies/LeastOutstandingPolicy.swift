/// The healthy replica with the fewest requests in flight (ties: the one after the last
/// chosen, so equal replicas share the work).
public final class LeastOutstandingPolicy: RoutingPolicy {
    public let name = "least-outstanding"
    private var next = 0

    public init() {}

    public func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision {
        let healthy = replicas.healthyIndices
        let least = healthy.map { replicas[$0].outstanding }.min()!
        let tied = healthy.filter { replicas[$0].outstanding == least }
        defer { next &+= 1 }
        return RoutingDecision(replica: tied[next % tied.count], reason: "fewest in flight (\(least))")
    }
}
