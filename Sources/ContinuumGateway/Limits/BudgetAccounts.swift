import ContinuumLedger
import ContinuumOpenAI
import Foundation

/// Token budgets held exactly: a request reserves its prompt plus the most it may generate
/// before it is sent, settles to what it really used when it ends, and releases the rest,
/// so concurrent requests can never together spend more than a key's budget. Each key's
/// account starts from the ledger's count the first time the key is seen and is kept in
/// memory from then on (one instance). With a shared store attached (`--ledger-url`) the
/// reservations are made in PostgreSQL instead (SharedBudgets), exact across instances.
final class BudgetAccounts: @unchecked Sendable {
    // `@unchecked Sendable`: `accounts` and `sharedLimits` are only touched under `lock`.
    private let lock = NSLock()
    private var accounts: [Int64: (used: Int, reserved: Int)] = [:]
    private var sharedLimits: SharedLimits?

    /// Reserve in the shared store from now on (set once, before serving).
    func attach(_ shared: SharedLimits) { lock.withLock { sharedLimits = shared } }
    var shared: SharedLimits? { lock.withLock { sharedLimits } }

    /// A request's claim on its key's budget; `settle` once (RequestLog does).
    final class Reservation: @unchecked Sendable {
        // `@unchecked Sendable`: `done` is only touched under `settled`; the rest is immutable.
        let key: Int64
        let tokens: Int
        private weak var owner: BudgetAccounts?
        /// Where a shared reservation is settled, and its name there.
        private let shared: (budgets: SharedBudgets, request: String)?
        private let settled = NSLock()
        private var done = false

        init(key: Int64, tokens: Int, owner: BudgetAccounts) {
            self.key = key
            self.tokens = tokens
            self.owner = owner
            shared = nil
        }

        init(key: Int64, tokens: Int, shared budgets: SharedBudgets, request: String) {
            self.key = key
            self.tokens = tokens
            shared = (budgets, request)
        }

        /// Charges `used` tokens and frees the rest of the reservation.
        func settle(used: Int) {
            let first = settled.withLock { () -> Bool in defer { done = true }; return !done }
            guard first else { return }
            if let shared {
                shared.budgets.settle(.init(key: key, request: shared.request, used: used))
            } else {
                owner?.settle(key: key, reserved: tokens, used: used)
            }
        }

        deinit { settle(used: tokens) }  // dropped unsettled: charge it all (never under-bill)
    }

    /// Reserves `prompt` tokens plus up to `maxTokens` to generate (nil: as many as the
    /// budget leaves). Returns the reservation and the generation limit it allows; nil when
    /// the key has no budget. Throws 429 `insufficient_quota` when not even the prompt and
    /// one token fit.
    /// With a shared store: reserved there; while it is away, 503 (fail closed) or this
    /// instance's own accounts (fail open).
    func reserve(key: KeyRecord, prompt: Int, maxTokens: Int?, ledger: Ledger) async throws -> (Reservation, Int)? {
        guard let budget = key.tokenBudget else { return nil }
        if let shared {
            do {
                guard let (request, limit) = try await shared.budgets.reserve(key: key.id, prompt: prompt, maxTokens: maxTokens) else {
                    return nil
                }
                return (Reservation(key: key.id, tokens: prompt + limit, shared: shared.budgets, request: request), limit)
            } catch let error as LedgerError {
                if shared.policy == .failClosed { throw shared.unreachable(error) }
            }
        }
        if lock.withLock({ accounts[key.id] }) == nil {
            let used = try await ledger.tokensUsed(keyID: key.id)
            lock.withLock { if accounts[key.id] == nil { accounts[key.id] = (used, 0) } }
        }
        let granted = lock.withLock { () -> Int? in
            var a = accounts[key.id]!
            let free = budget - a.used - a.reserved - prompt
            guard free >= 1 else { return nil }
            let limit = min(maxTokens ?? free, free)
            a.reserved += prompt + limit
            accounts[key.id] = a
            return limit
        }
        guard let granted else { throw Self.insufficient(budget: budget, prompt: prompt) }
        return (Reservation(key: key.id, tokens: prompt + granted, owner: self), granted)
    }

    static func insufficient(budget: Int, prompt: Int) -> OpenAIError {
        .insufficientQuota("This key's token budget of \(budget) tokens is spent or reserved by requests in flight (this one needs \(prompt) prompt tokens and at least 1 to generate).")
    }

    private func settle(key: Int64, reserved: Int, used: Int) {
        lock.withLock {
            guard var a = accounts[key] else { return }
            a.reserved -= reserved
            a.used += used
            accounts[key] = a
        }
    }
}
