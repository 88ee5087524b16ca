import ContinuumLedger

/// Where a backend runs, from the most private and closest to the farthest. A request is
/// answered on the first tier, in this order, that its key and the configuration allow.
public enum Tier: String, Sendable, Codable, CaseIterable, Comparable {
    case device, edge, cloud

    public static func < (a: Tier, b: Tier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension KeyRecord {
    /// The tiers this key may use (nil: any); unknown names in the ledger are ignored.
    var tiers: Set<Tier>? { allowedTiers.map { Set($0.compactMap(Tier.init(rawValue:))) } }
}
