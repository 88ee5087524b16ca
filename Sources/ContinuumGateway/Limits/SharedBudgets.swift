import ContinuumLedger
import Foundation

/// Token budgets reserved in the shared store, so the requests of all instances together
/// never spend more than a key's budget. A settlement that cannot reach the store is kept
/// here and retried (by QuotaService) until it is charged: it is never dropped while the
/// process lives. Until it lands, its reservation stays in the store and holds the tokens,
/// so the budget can only be under-used meanwhile, never overspent.
final class SharedBudgets: Sendable {
    /// Each statement gives up after the store's deadline (SharedStore.query): then 503.
    let store: SharedStore
    private let pending = Locked<[Settlement]>([])
    /// Reservations granted and not settled yet (requests in flight).
    private let open = Locked(0)

    struct Settlement: Sendable, Equatable {
        let key: Int64
        let request: String
        let used: Int
    }

    init(store: SharedStore) {
        self.store = store
    }

    /// Reserves in the store; nil when the key has no budget there. Throws 429
    /// insufficient_quota when not even the prompt and one token fit, LedgerError when the
    /// store does not answer (the caller applies the unreachable policy).
    func reserve(key: Int64, prompt: Int, maxTokens: Int?) async throws -> (request: String, limit: Int)? {
        let request = UUID().uuidString
        let store = store
        do {
            // One statement: the store gives up on it after its deadline (SharedStore.query).
            switch try await store.reserveBudget(keyID: key, request: request, prompt: prompt, maxTokens: maxTokens) {
            case .unlimited: return nil
            case .granted(let limit):
                open.withLock { $0 += 1 }
                return (request, limit)
            case .insufficient(let budget, _):
                throw BudgetAccounts.insufficient(budget: budget, prompt: prompt)
            }
        } catch let error as LedgerError {
            // The reservation may have been made with its answer lost: release it by name.
            settleLater(Settlement(key: key, request: request, used: 0))
            throw error
        }
    }

    /// Charges `used` and releases the reservation, now if the store answers, else later.
    func settle(_ s: Settlement) {
        open.withLock { $0 -= 1 }
        settleLater(s)
    }

    private func settleLater(_ s: Settlement) {
        Task { [self] in
            if await !send(s) { pending.withLock { $0.append(s) } }
        }
    }

    /// Settlements waiting for the store.
    var pendingCount: Int { pending.withLock { $0.count } }
    /// Reservations of requests still in flight here.
    var openCount: Int { open.withLock { $0 } }

    /// Retries the waiting settlements in order; stops at the first that fails (the store is
    /// still away). Returns how many landed.
    @discardableResult
    func retryPending() async -> Int {
        var landed = 0
        while let next = pending.withLock({ $0.first }) {
            guard await send(next) else { break }
            pending.withLock { list in if let i = list.firstIndex(of: next) { list.remove(at: i) } }
            landed += 1
        }
        return landed
    }

    private func send(_ s: Settlement) async -> Bool {
        let store = store
        do {
            try await store.settleBudget(keyID: s.key, request: s.request, used: s.used)
            return true
        } catch {
            return false
        }
    }
}
