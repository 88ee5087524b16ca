import ContinuumLedger
import ServiceLifecycle

extension Gateway {
    /// The services that keep this instance in step with the other instances through the
    /// shared store: the key mirror, the ledger shipper and the quota leases. None without one.
    func sharedStoreServices() -> [any Service] {
        guard let store = sharedStore else { return [] }
        return keyMirrorServices(store) + ledgerShippingServices(store) + quotaServices(store)
    }
}
