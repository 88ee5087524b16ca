/// The response of `GET /v1/models`: `{"object": "list", "data": [...]}`.
public struct ModelList: Codable, Sendable, Equatable {
    /// Always `list`.
    public var object: String
    public var data: [Model]

    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}
