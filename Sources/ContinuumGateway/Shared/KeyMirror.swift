import ContinuumLedger
import ServiceLifecycle

extension Gateway {
    /// Mirrors the shared store's keys into the local ledger (LISTEN/NOTIFY). Filled by issue 14.
    func keyMirrorServices(_ store: SharedStore) -> [any Service] { [] }
}
