import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension Gateway {
    /// OpenAI's Responses API: `POST /v1/responses` answered as a chat completion through the
    /// one generation path (`exchange`), so keys, limits, personal data, tiers, cascades, the
    /// ledger and the provenance headers all apply; `GET` and `DELETE /v1/responses/{id}` for
    /// stored answers (the same key's only).
    func addResponsesRoutes(to router: Router<GatewayContext>) {
        router.post("/v1/responses") { request, context in
            let bytes = try await collectBody(request)
            let body = try ResponsesRequest.decode(from: Data(bytes.readableBytesView))
            return try await respond(body, context: context)
        }
        router.get("/v1/responses/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let stored = try await storedResponse(id, context: context) else { throw OpenAIError.responseNotFound(id) }
            return Self.json(Data(stored.response.utf8))
        }
        router.delete("/v1/responses/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let ledger, try await Self.ledgerCall({ () async throws(LedgerError) in
                try await ledger.deleteStoredResponse(id: id, keyID: context.key?.id)
            }) else { throw OpenAIError.responseNotFound(id) }
            return Self.json(Data(WireJSON.object([("id", .string(id)), ("object", "response"), ("deleted", .bool(true))]).text.utf8))
        }
    }

    /// Whether this gateway keeps Responses answers: configured so, and it has a ledger.
    var storesResponses: Bool { configuration.responses.enabled && ledger != nil }

    func respond(_ body: ResponsesRequest, context: GatewayContext) async throws -> Response {
        if !storesResponses {
            // Never silently ignored: a client relying on a stored turn must know there is none.
            let why = ledger == nil ? "this server runs without a ledger" : "this server is configured with responses.store: false"
            if body.store == true { throw OpenAIError.invalidValue(param: "store", "storing responses is off (\(why)); send store: false or leave it out") }
            if body.previousResponseID != nil {
                throw OpenAIError.invalidValue(param: "previous_response_id", "storing responses is off (\(why)), so there is no previous response to continue")
            }
        }
        let store = storesResponses && body.store != false
        var history: [ResponseItem] = []
        if let previous = body.previousResponseID {
            guard let stored = try await storedResponse(previous, context: context) else {
                throw OpenAIError(status: 400, message: "Previous response with id '\(previous)' not found.", type: "invalid_request_error",
                                  param: "previous_response_id", code: "previous_response_not_found")
            }
            do {
                history = try JSONDecoder().decode([ResponseItem].self, from: Data(stored.items.utf8))
            } catch {
                throw OpenAIError.serverError("the stored conversation of '\(previous)' cannot be read: \(error)")
            }
        }
        let chat = try body.chatRequest(history: history)
        let raw = ByteBuffer(bytes: try OpenAIJSON.encode(chat))
        let skeleton = ResponseObject(id: context.requestID, createdAt: Int(Date().timeIntervalSince1970), request: body, store: store)
        let conversation = history + body.input
        let keyID = context.key?.id
        switch try await exchange(chat, raw: raw, context: context) {
        case .relayed:
            // Only an adapter that sets a Passthrough gets one; this one sets none.
            throw OpenAIError.serverError("a backend answered the Responses request in another protocol")
        case .complete(let completion, let headers):
            let response = ResponseObject(id: skeleton.id, createdAt: skeleton.createdAt, request: body, store: store, completion: completion)
            if store { try await save(response, conversation: conversation, keyID: keyID) }
            return Self.json(Data(response.json.text.utf8), headers: headers)
        case .stream(let chunks, let headers):
            return Self.eventStream(headers: headers) { writer in
                var machine = ResponseEventMachine(response: skeleton)
                for e in machine.start() { try await writer.send(event: e.type, data: e.data) }
                var events: [ResponseEventMachine.Event]
                do {
                    for try await chunk in chunks {
                        for e in machine.consume(chunk) { try await writer.send(event: e.type, data: e.data) }
                    }
                    // Stored before the last event: a client may continue the conversation as soon as it has it.
                    if store { try await save(machine.finished, conversation: conversation, keyID: keyID) }
                    events = machine.finish()
                } catch let e as OpenAIError {
                    events = machine.fail(e)
                } catch let e as RoutedError {
                    events = machine.fail(e.error)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    events = machine.fail(.serverError("\(error)"))
                }
                for e in events { try await writer.send(event: e.type, data: e.data) }
            }
        }
    }

    /// The stored response `id` of the request's key, or nil (also when nothing is stored).
    func storedResponse(_ id: String, context: GatewayContext) async throws -> StoredResponse? {
        guard let ledger else { return nil }
        return try await Self.ledgerCall { () async throws(LedgerError) in try await ledger.storedResponse(id: id, keyID: context.key?.id) }
    }

    /// Keeps a finished response with its conversation (the inputs so far and its output).
    func save(_ response: ResponseObject, conversation: [ResponseItem], keyID: Int64?) async throws {
        guard let ledger else { return }
        let now = Date()
        let items = conversation + response.output.map(\.conversationItem)
        let row = StoredResponse(id: response.id, keyID: keyID, createdAt: now,
                                 expiresAt: now.addingTimeInterval(configuration.responses.retention), model: response.model,
                                 items: String(decoding: try OpenAIJSON.encode(items), as: UTF8.self), response: response.json.text)
        try await Self.ledgerCall { () async throws(LedgerError) in try await ledger.storeResponse(row, now: now) }
    }

    /// A ledger call whose failure is a 500 in OpenAI's shape.
    static func ledgerCall<T>(_ body: () async throws(LedgerError) -> T) async throws(OpenAIError) -> T {
        do {
            return try await body()
        } catch {
            throw .serverError("the response store failed: \(error.message)")
        }
    }
}

extension OpenAIError {
    /// No stored response with this id for this key (unknown, expired, deleted or another key's).
    static func responseNotFound(_ id: String) -> OpenAIError {
        OpenAIError(status: 404, message: "No response found with id '\(id)'.", type: "invalid_request_error", param: nil, code: nil)
    }
}
