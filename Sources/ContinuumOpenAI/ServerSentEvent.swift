/// One server-sent event (WHATWG HTML, "Server-sent events").
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; nil means the default type, `message`. OpenAI streams leave it unset.
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// The `id:` field sent with this event, if any (see ``SSEParser/lastEventID``).
    public var id: String?
    /// The `retry:` field (milliseconds) sent with this event, if any.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }

    /// True for OpenAI's end-of-stream marker, `data: [DONE]`.
    public var isDone: Bool { data == "[DONE]" }
}
