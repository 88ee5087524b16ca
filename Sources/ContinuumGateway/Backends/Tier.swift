import ContinuumLedger
public import ContinuumRouting

/// Where a backend runs (ContinuumRouting's, where the route decision reads it).
public typealias Tier = ContinuumRouting.Tier

extension KeyRecord {
    /// The tiers this key may use (nil: any); unknown names in the ledger are ignored.
    var tiers: Set<Tier>? { allowedTiers.map { Set($0.compactMap(Tier.init(rawValue:))) } }
}
