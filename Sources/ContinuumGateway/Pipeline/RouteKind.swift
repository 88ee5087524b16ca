/// The routes by what they need from a key: open ones (health probes), inference (any key
/// with the `inference` scope) and admin ones (the `admin` scope: metrics and KV events,
/// which reveal other users' traffic and cached prompt prefixes).
enum RouteKind: Sendable {
    case open, inference, admin

    init(path: String) {
        switch path {
        case "/health", "/ready": self = .open
        case "/metrics", "/v1/kv-events": self = .admin
        // The dashboard's page and assets are open (the page asks for a key); what it reads is admin.
        case let p where p.hasPrefix("/ui/api/"): self = .admin
        case let p where p == "/ui" || p.hasPrefix("/ui/"): self = .open
        default: self = .inference
        }
    }

    /// The methods of each path the gateway serves (for 405 and its `Allow` header).
    static let methods: [String: [String]] = [
        "/health": ["GET"], "/ready": ["GET"], "/v1/models": ["GET"], "/openapi.json": ["GET"], "/metrics": ["GET"],
        "/v1/kv-events": ["GET"], "/v1/chat/completions": ["POST"], "/v1/completions": ["POST"], "/v1/embeddings": ["POST"],
        "/v1/messages": ["POST"], "/v1/responses": ["POST"], "/tokenize": ["POST"], "/detokenize": ["POST"],
        "/ui": ["GET"], "/ui/api/live": ["GET"], "/ui/api/requests": ["GET"], "/ui/api/usage": ["GET"],
    ]

    /// The prefix of the request ids of a path: the OpenAI object id of its answer.
    static func idPrefix(path: String) -> String {
        switch path {
        case "/v1/chat/completions": "chatcmpl-"
        case "/v1/completions": "cmpl-"
        case "/v1/embeddings": "embd-"
        case "/v1/messages": "msg_"
        case "/v1/responses": "resp_"
        default: "req-"
        }
    }
}
