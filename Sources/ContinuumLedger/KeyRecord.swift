// An API key as stored: everything but the secret, of which only a SHA-256 hash and a
// short display prefix are kept.
public import Foundation

/// An API key's record: its name, limits and usage. Never contains the secret.
public struct KeyRecord: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    /// The first characters of the secret ("ck-AbCd1234"), for display and `revoke`.
    public var prefix: String
    /// Models the key may use; nil means any.
    public var allowedModels: [String]?
    /// Tiers the key may use; nil means any.
    public var allowedTiers: [String]?
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// Total tokens (prompt + completion) the key may spend; nil means unlimited.
    public var tokenBudget: Int?
    /// Tokens charged so far by committed request rows.
    public var tokensUsed: Int
    public var createdAt: Date
    public var revokedAt: Date?
    /// What the key may do: "inference" (the OpenAI API), "admin" (metrics, management).
    /// `defaultScopes` for keys created without any; empty if the stored list is unreadable
    /// (fail closed: a damaged row grants nothing).
    public var scopes: [String]

    /// The scopes `Ledger.createKey` accepts.
    public static let knownScopes = ["inference", "admin"]
    /// The scopes of a key created without any, and of keys made before scopes existed.
    public static let defaultScopes = ["inference"]

    public var isRevoked: Bool { revokedAt != nil }
    /// May read metrics and use management endpoints.
    public var isAdmin: Bool { scopes.contains("admin") }
    /// May call the inference API (chat, completions, embeddings).
    public var mayInfer: Bool { scopes.contains("inference") }

    public func allows(model: String) -> Bool { allowedModels?.contains(model) ?? true }
    public func allows(tier: String) -> Bool { allowedTiers?.contains(tier) ?? true }

    /// Tokens left in the budget (never negative), or nil without a budget.
    public var remainingBudget: Int? { tokenBudget.map { max(0, $0 - tokensUsed) } }
}
