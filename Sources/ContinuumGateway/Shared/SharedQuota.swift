import ContinuumLedger
import ServiceLifecycle

extension Gateway {
    /// Heartbeat, lease renewal and reclaiming of dead instances' reservations. Filled by issue 14.
    func quotaServices(_ store: SharedStore) -> [any Service] { [] }
}
