/// The fields every generated response and stream chunk repeats: its id, when it was
/// created and which model answered. The caller passes `created` (Unix seconds): nothing in
/// this module reads a clock, so responses are reproducible in tests.
public struct ResponseMetadata: Sendable, Equatable {
    /// `chatcmpl-…` or `cmpl-…` (see ``ResponseID``); the same for all chunks of a stream.
    public var id: String
    /// Unix time in seconds.
    public var created: Int
    /// The model name as the client asked for it (or the served name).
    public var model: String
    /// Identifies the backend configuration, if the server wants to expose one.
    public var systemFingerprint: String?

    public init(id: String, created: Int, model: String, systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
    }
}
