import ContinuumLedger
import Foundation

/// Where `continuum keys` manages keys: the SQLite ledger, or with `--ledger-url` the
/// PostgreSQL store several gateways share (which they mirror within a second).
protocol KeyStore {
    func createKey(
        name: String, allowedModels: [String]?, allowedTiers: [String]?,
        requestsPerMinute: Int?, tokensPerMinute: Int?, tokenBudget: Int?,
        scopes: [String]?, secret: String?, now: Date
    ) async throws(LedgerError) -> (id: Int64, secret: String)
    func listKeys(includeRevoked: Bool, after: Int64, limit: Int) async throws(LedgerError) -> [KeyRecord]
    func revokeKey(_ idOrPrefix: String, now: Date) async throws(LedgerError) -> KeyRecord
}

extension Ledger: KeyStore {}
extension SharedStore: KeyStore {}

extension LedgerOptions {
    /// Runs `body` on the shared store if one is named (--ledger-url, $CONTINUUM_LEDGER_URL),
    /// else on the SQLite ledger, and closes it after.
    func withKeyStore<T>(_ body: (any KeyStore) async throws -> T) async throws -> T {
        if let url = try sharedURL() {
            let (store, running) = try await openShared(url, wait: .seconds(5))
            defer { running.cancel() }
            return try await body(store)
        }
        let ledger = try open()
        let result = try await body(ledger)
        try await ledger.close()
        return result
    }
}
