import ContinuumLedger
import ServiceLifecycle

extension Gateway {
    /// Ships finished ledger rows from the local spool to the shared store. Filled by issue 14.
    func ledgerShippingServices(_ store: SharedStore) -> [any Service] { [] }
}
