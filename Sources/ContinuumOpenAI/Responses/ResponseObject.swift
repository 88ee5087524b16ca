/// A Responses API answer (`"object": "response"`), with the request's settings echoed as
/// OpenAI does. Built from a chat completion (``init(id:createdAt:request:store:completion:)``)
/// or, while streaming, grown by ``ResponseEventMachine``.
public struct ResponseObject: Sendable, Equatable {
    public enum Status: String, Sendable { case inProgress = "in_progress", completed, incomplete, failed }

    /// One output item: the assistant's text, or a function call.
    public enum OutputItem: Sendable, Equatable {
        case message(id: String, text: String, status: Status)
        case functionCall(id: String, callID: String, name: String, arguments: String, status: Status)

        public var json: WireJSON {
            switch self {
            case .message(let id, let text, let status):
                .object([("id", .string(id)), ("type", "message"), ("status", .string(status.rawValue)), ("role", "assistant"),
                         ("content", status == .inProgress && text.isEmpty ? .array([]) : .array([Self.textPart(text)]))])
            case .functionCall(let id, let callID, let name, let arguments, let status):
                .object([("id", .string(id)), ("type", "function_call"), ("status", .string(status.rawValue)),
                         ("arguments", .string(arguments)), ("call_id", .string(callID)), ("name", .string(name))])
            }
        }

        /// An `output_text` content part.
        static func textPart(_ text: String) -> WireJSON {
            .object([("type", "output_text"), ("annotations", .array([])), ("logprobs", .array([])), ("text", .string(text))])
        }

        /// The item as the conversation stores it (for `previous_response_id`).
        public var conversationItem: ResponseItem {
            switch self {
            case .message(_, let text, _): .message(role: .assistant, text: text)
            case .functionCall(_, let callID, let name, let arguments, _): .functionCall(callID: callID, name: name, arguments: arguments)
            }
        }
    }

    public var id: String
    public var createdAt: Int
    public var model: String
    public var status: Status
    public var output: [OutputItem] = []
    public var usage: Usage?
    public var error: OpenAIError?
    /// The settings echoed back.
    public var request: ResponsesRequest
    /// Whether the response is stored (the request's `store`, or the server's default).
    public var store: Bool

    public init(id: String, createdAt: Int, request: ResponsesRequest, store: Bool, status: Status = .inProgress) {
        self.id = id
        self.createdAt = createdAt
        self.model = request.model
        self.status = status
        self.request = request
        self.store = store
    }

    /// The answer to `request` from the chat completion that answered it.
    public init(id: String, createdAt: Int, request: ResponsesRequest, store: Bool, completion: ChatCompletion) {
        // `model` stays the requested name (as in a stream); the provenance headers say who answered.
        self.init(id: id, createdAt: createdAt, request: request, store: store)
        let choice = completion.choices.first
        let length = choice?.finishReason == .length
        status = length ? .incomplete : .completed
        let text = choice?.message.content ?? ""
        let calls = choice?.message.toolCalls ?? []
        if !text.isEmpty || calls.isEmpty { output.append(.message(id: itemID("msg", 0), text: text, status: status)) }
        for (i, call) in calls.enumerated() {
            output.append(.functionCall(id: itemID("fc", i), callID: call.id, name: call.function.name,
                                        arguments: call.function.arguments, status: .completed))
        }
        usage = completion.usage
    }

    /// An output item's id, derived from the response's (`msg_<suffix>`, `fc_<suffix>_1`).
    public func itemID(_ prefix: String, _ index: Int) -> String {
        let suffix = id.hasPrefix("resp_") ? String(id.dropFirst(5)) : id
        return index == 0 ? "\(prefix)_\(suffix)" : "\(prefix)_\(suffix)_\(index)"
    }

    /// Why the response is incomplete: it hit `max_output_tokens`.
    public var incompleteReason: String? { status == .incomplete ? "max_output_tokens" : nil }

    public var json: WireJSON {
        let r = request
        var o: [(String, WireJSON)] = [
            ("id", .string(id)), ("object", "response"), ("created_at", .int(createdAt)), ("status", .string(status.rawValue)),
            ("background", .bool(false)),
            ("error", error.map { .object([("code", .string($0.code ?? $0.type)), ("message", .string($0.message))]) } ?? .null),
            ("incomplete_details", incompleteReason.map { .object([("reason", .string($0))]) } ?? .null),
            ("instructions", .string(r.instructions)), ("max_output_tokens", r.maxOutputTokens.map(WireJSON.int) ?? .null),
            ("metadata", .object((r.metadata ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("model", .string(model)), ("output", .array(output.map(\.json))),
            ("parallel_tool_calls", .bool(r.parallelToolCalls ?? true)),
            ("previous_response_id", .string(r.previousResponseID)), ("safety_identifier", .string(r.safetyIdentifier)),
            ("store", .bool(store)),
            ("temperature", .double(r.temperature ?? 1)), ("text", .object([("format", Self.format(r.format))])),
            ("tool_choice", Self.toolChoice(r.toolChoice)), ("tools", .array(r.tools.map(Self.tool))),
            ("top_p", .double(r.topP ?? 1)), ("truncation", "disabled"),
        ]
        if let u = usage {
            o.append(("usage", .object([
                ("input_tokens", .int(u.promptTokens)), ("input_tokens_details", .object([("cached_tokens", .int(u.cachedTokens))])),
                ("output_tokens", .int(u.completionTokens)),
                ("output_tokens_details", .object([("reasoning_tokens", .int(u.completionTokensDetails?.reasoningTokens ?? 0))])),
                ("total_tokens", .int(u.totalTokens)),
            ])))
        } else {
            o.append(("usage", .null))
        }
        o.append(("user", .string(r.user)))
        return .object(o)
    }

    static func format(_ f: ResponseFormat?) -> WireJSON {
        switch f {
        case nil, .text?: .object([("type", "text")])
        case .jsonObject?: .object([("type", "json_object")])
        case .jsonSchema(let s)?:
            .object([("type", "json_schema"), ("name", .string(s.name)), ("description", .string(s.description)),
                     ("schema", s.schema.map(WireJSON.raw) ?? .null), ("strict", s.strict.map(WireJSON.bool) ?? .null)])
        }
    }

    static func toolChoice(_ c: ToolChoice?) -> WireJSON {
        switch c {
        case nil, .auto?: "auto"
        case .none?: "none"
        case .required?: "required"
        case .function(let name)?: .object([("type", "function"), ("name", .string(name))])
        }
    }

    static func tool(_ t: ChatTool) -> WireJSON {
        .object([("type", "function"), ("name", .string(t.function.name)), ("description", .string(t.function.description)),
                 ("parameters", t.function.parameters.map(WireJSON.raw) ?? .null), ("strict", t.function.strict.map(WireJSON.bool) ?? .null)])
    }
}
