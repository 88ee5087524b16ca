import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension Gateway {
    /// Anthropic's Messages API (`POST /v1/messages`): the request translated to a chat
    /// completion (MessagesRequest.chatRequest), run through the one generation path
    /// (`exchange`: keys, limits, personal data, tiers, cascades, ledger, provenance
    /// headers), and the answer or its chunks translated back (MessagesResponse,
    /// MessagesStream). Errors take Anthropic's shape (ErrorMiddleware). A backend of type
    /// `anthropic` gets the client's body instead (Passthrough) and its answer goes back as is.
    func addMessagesRoutes(to router: Router<GatewayContext>) {
        router.post("/v1/messages") { request, context in
            try Self.checkAnthropicBeta(request.headers)
            let bytes = try await collectBody(request)
            let body = try MessagesRequest.decode(from: Data(bytes.readableBytesView))
            let chat = body.chatRequest()
            try chat.validate()
            let raw = ByteBuffer(bytes: try OpenAIJSON.encode(chat))
            let (id, model) = (context.requestID, body.model)
            var context = context
            context.passthrough = Passthrough(api: .anthropic, body: RawJSON(bytes.readableBytesView), maxTokens: body.maxTokens,
                                              stream: body.stream == true)
            switch try await exchange(chat, raw: raw, context: context) {
            case .relayed(let response):
                return response  // an `anthropic` backend's own answer
            case .complete(let completion, let headers):
                return Self.json(try OpenAIJSON.encode(try MessagesResponse(completion, id: id, model: model)), headers: headers)
            case .stream(let chunks, let headers):
                return Self.eventStream(headers: headers) { writer in
                    var machine = MessagesStream(id: id, model: model)
                    do {
                        for e in machine.start() { try await writer.send(event: e.name, data: e.data) }
                        for try await chunk in chunks {
                            for e in machine.feed(chunk) { try await writer.send(event: e.name, data: e.data) }
                        }
                        for e in machine.end() { try await writer.send(event: e.name, data: e.data) }
                    } catch let e as OpenAIError {
                        let event = MessagesStreamEvent.error(AnthropicError(e))
                        try await writer.send(event: event.name, data: event.data)
                    } catch {
                        // Anything else (the client gone, a cancellation): say so if anyone listens, and end.
                        let event = MessagesStreamEvent.error(AnthropicError(.serverError("\(error)")))
                        try? await writer.send(event: event.name, data: event.data)
                        throw error
                    }
                }
            }
        }
    }

    /// `anthropic-version` is accepted whatever its value (this server speaks one version of
    /// the API); `anthropic-beta` names features this server does not have, so any beta is
    /// refused rather than ignored.
    static func checkAnthropicBeta(_ headers: HTTPFields) throws {
        let betas = headers[values: .anthropicBeta].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard betas.isEmpty else {
            throw OpenAIError.unsupportedValue(param: "anthropic-beta", "this server supports no beta features, got '\(betas.joined(separator: ","))'")
        }
    }
}

extension HTTPField.Name {
    static let anthropicBeta = Self("anthropic-beta")!
}
