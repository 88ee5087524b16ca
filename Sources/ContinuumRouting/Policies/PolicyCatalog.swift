/// The replica policies by the names used in configs and on the command line.
public enum PolicyCatalog {
    public static let names = ["round-robin", "least-outstanding", "power-of-two", "aibrix", "sglang", "continuum"]

    /// A fresh policy, or nil for an unknown name.
    public static func make(_ name: String, seed: UInt64 = 1, recomputeWeight: Double = 1) -> (any RoutingPolicy)? {
        switch name {
        case "round-robin": RoundRobinPolicy()
        case "least-outstanding": LeastOutstandingPolicy()
        case "power-of-two": PowerOfTwoPolicy(seed: seed)
        case "aibrix": AIBrixPrefixCachePolicy(seed: seed)
        case "sglang": SGLangCacheAwarePolicy()
        case "continuum": ContinuumPrefixPolicy(recomputeWeight: recomputeWeight)
        default: nil
        }
    }

    /// The most replicas the policy can route among (nil: no limit); configs are checked against it.
    public static func maxReplicas(_ name: String) -> Int? { name == "continuum" ? ContinuumPrefixPolicy.maxReplicas : nil }

    /// Whether the policy looks at prompts (and so needs the gateway to tokenize them).
    public static func usesPrompts(_ name: String) -> Bool { ["aibrix", "sglang", "continuum"].contains(name) }
}
