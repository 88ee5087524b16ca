import ContinuumOpenAI
import Hummingbird
import NIOCore

/// A request's body in the client's own protocol, kept beside its chat translation so that a
/// backend speaking that protocol (`type: anthropic`) gets it as it came: only the model name
/// and the key budget's `max_tokens` bound are edited. The pipeline otherwise runs the
/// translation (route decision, keys, budgets, ledger, provenance) as for any chat request.
struct Passthrough: Sendable {
    let api: UpstreamAPI
    let body: RawJSON
    /// The request's own `max_tokens`.
    let maxTokens: Int?
    let stream: Bool

    /// A passed-through answer, relayed as the upstream sent it (its ledger row written by
    /// the relay). Thrown out of the chat pipeline, whose steps return chat answers only;
    /// `exchange` turns it into `ChatExchange.relayed`.
    struct Answered: Error {
        let response: Response
    }

    /// The body for the upstream's `/messages`.
    func forwarded(model: String, limit: Int?) -> ProxiedRequest {
        var json = body
        json.setTopLevel("model", rawValue: String(decoding: RawJSON.encode(model), as: UTF8.self))
        if let limit, limit != maxTokens { json.setTopLevel("max_tokens", rawValue: String(limit)) }
        return ProxiedRequest(path: "/messages", body: ByteBuffer(bytes: json.bytes), stream: stream)
    }
}
