/// `stream_options`: only valid with `stream: true`.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send a last chunk with `usage` and no choices before `[DONE]`.
    public var includeUsage: Bool?

    public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }

    private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}
