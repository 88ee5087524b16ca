/// One entry of `GET /v1/models`.
public struct Model: Codable, Sendable, Equatable {
    public var id: String
    /// Always `model`.
    public var object: String
    /// Unix seconds.
    public var created: Int
    public var ownedBy: String

    public init(id: String, created: Int, ownedBy: String) {
        self.id = id
        self.object = "model"
        self.created = created
        self.ownedBy = ownedBy
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }
}
