public import Foundation

/// A Responses API answer kept for `previous_response_id` and `GET /v1/responses/{id}`:
/// the conversation so far and the answer as sent, readable only by the key that made it.
public struct StoredResponse: Sendable, Equatable {
    /// `resp_…`.
    public var id: String
    /// The key that made it; nil when the gateway runs without keys.
    public var keyID: Int64?
    public var createdAt: Date
    /// After this the response is gone: not found, and purged.
    public var expiresAt: Date
    public var model: String
    /// The conversation's items (the inputs of every turn and the answers), as a JSON array.
    public var items: String
    /// The response object as sent, JSON.
    public var response: String

    public init(id: String, keyID: Int64?, createdAt: Date, expiresAt: Date, model: String, items: String, response: String) {
        self.id = id
        self.keyID = keyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.model = model
        self.items = items
        self.response = response
    }
}
