/// Where a backend runs, from the most private and closest to the farthest. A request is
/// answered on the first tier, in this order, that its key and the configuration allow.
public enum Tier: String, Sendable, Codable, CaseIterable, Comparable {
    case device, edge, cloud

    public static func < (a: Tier, b: Tier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// "device, edge": for messages.
    static func list(_ tiers: some Sequence<Tier>) -> String { tiers.sorted().map(\.rawValue).joined(separator: ", ") }
}
