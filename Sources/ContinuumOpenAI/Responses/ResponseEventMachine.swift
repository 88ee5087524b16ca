/// Turns a chat completion stream into the Responses API's events: a value type fed chunk by
/// chunk, returning the events to send (each with its `sequence_number`), so the whole order
/// can be tested from a table of chunks without a server.
///
/// Order: `response.created`, `response.in_progress`; per output item `output_item.added`,
/// then for text `content_part.added`, `output_text.delta`…, and for a call
/// `function_call_arguments.delta`…; at the end, per item in order, the `.done` events
/// (`output_text.done`, `content_part.done` / `function_call_arguments.done`,
/// `output_item.done`), then `response.completed` or `response.incomplete` (the
/// `max_output_tokens` bound hit). A failure mid-stream sends `error` and `response.failed`.
public struct ResponseEventMachine: Sendable {
    /// One server-sent event: `event:` is `type`, `data:` the JSON `data`.
    public struct Event: Sendable, Equatable {
        public var type: String
        public var data: String
    }

    /// The response as it grows (its status stays `in_progress` until the end).
    public private(set) var response: ResponseObject
    private var sequence = 0
    /// Output indices of the chat stream's tool calls, by their `index`.
    private var callIndex: [Int: Int] = [:]
    private var textIndex: Int?
    private var finishReason: OpenAIFinishReason?
    private var ended = false

    /// `response` is the skeleton: id, creation time, the request's settings.
    public init(response: ResponseObject) {
        self.response = response
        self.response.status = .inProgress
        self.response.output = []
    }

    public mutating func start() -> [Event] {
        [event("response.created", [("response", response.json)]), event("response.in_progress", [("response", response.json)])]
    }

    public mutating func consume(_ chunk: ChatCompletionChunk) -> [Event] {
        guard !ended else { return [] }
        if let usage = chunk.usage { response.usage = usage }
        var events: [Event] = []
        for choice in chunk.choices where choice.index == 0 {
            if let text = choice.delta.content, !text.isEmpty {
                let index: Int
                if let t = textIndex {
                    index = t
                } else {
                    index = response.output.count
                    textIndex = index
                    let item = ResponseObject.OutputItem.message(id: response.itemID("msg", 0), text: "", status: .inProgress)
                    response.output.append(item)
                    events.append(event("response.output_item.added", [("output_index", .int(index)), ("item", item.json)]))
                    events.append(event("response.content_part.added", [("item_id", .string(response.itemID("msg", 0))), ("output_index", .int(index)),
                                                                        ("content_index", .int(0)), ("part", ResponseObject.OutputItem.textPart(""))]))
                }
                if case .message(let id, let sofar, let status) = response.output[index] {
                    response.output[index] = .message(id: id, text: sofar + text, status: status)
                    events.append(event("response.output_text.delta", [("item_id", .string(id)), ("output_index", .int(index)),
                                                                       ("content_index", .int(0)), ("delta", .string(text)), ("logprobs", .array([]))]))
                }
            }
            for call in choice.delta.toolCalls ?? [] {
                let index: Int
                if let i = callIndex[call.index] {
                    index = i
                } else {
                    index = response.output.count
                    callIndex[call.index] = index
                    let item = ResponseObject.OutputItem.functionCall(id: response.itemID("fc", callIndex.count - 1), callID: call.id ?? "call_\(index)",
                                                                      name: call.function.name ?? "", arguments: "", status: .inProgress)
                    response.output.append(item)
                    events.append(event("response.output_item.added", [("output_index", .int(index)), ("item", item.json)]))
                }
                if let args = call.function.arguments, !args.isEmpty,
                   case .functionCall(let id, let callID, let name, let sofar, let status) = response.output[index] {
                    response.output[index] = .functionCall(id: id, callID: callID, name: name, arguments: sofar + args, status: status)
                    events.append(event("response.function_call_arguments.delta", [("item_id", .string(id)), ("output_index", .int(index)),
                                                                                   ("delta", .string(args))]))
                }
            }
            if let reason = choice.finishReason { finishReason = reason }
        }
        return events
    }

    /// The response as ``finish()`` will make it (to store it before the last event is sent).
    public var finished: ResponseObject {
        var copy = self
        _ = copy.finish()
        return copy.response
    }

    /// The stream ended: close every item, then `response.completed` or `response.incomplete`.
    public mutating func finish() -> [Event] {
        guard !ended else { return [] }
        ended = true
        let status: ResponseObject.Status = finishReason == .length ? .incomplete : .completed
        var events: [Event] = []
        if response.output.isEmpty {
            // No text and no call: an empty message, as the non-streaming answer has.
            let item = ResponseObject.OutputItem.message(id: response.itemID("msg", 0), text: "", status: .inProgress)
            response.output.append(item)
            events.append(event("response.output_item.added", [("output_index", .int(0)), ("item", item.json)]))
            events.append(event("response.content_part.added", [("item_id", .string(response.itemID("msg", 0))), ("output_index", .int(0)),
                                                                ("content_index", .int(0)), ("part", ResponseObject.OutputItem.textPart(""))]))
        }
        for (index, item) in response.output.enumerated() {
            switch item {
            case .message(let id, let text, _):
                let done = ResponseObject.OutputItem.message(id: id, text: text, status: status)
                response.output[index] = done
                events.append(event("response.output_text.done", [("item_id", .string(id)), ("output_index", .int(index)),
                                                                  ("content_index", .int(0)), ("text", .string(text)), ("logprobs", .array([]))]))
                events.append(event("response.content_part.done", [("item_id", .string(id)), ("output_index", .int(index)),
                                                                   ("content_index", .int(0)), ("part", ResponseObject.OutputItem.textPart(text))]))
                events.append(event("response.output_item.done", [("output_index", .int(index)), ("item", done.json)]))
            case .functionCall(let id, let callID, let name, let arguments, _):
                let done = ResponseObject.OutputItem.functionCall(id: id, callID: callID, name: name, arguments: arguments, status: .completed)
                response.output[index] = done
                events.append(event("response.function_call_arguments.done", [("item_id", .string(id)), ("output_index", .int(index)),
                                                                              ("name", .string(name)), ("arguments", .string(arguments))]))
                events.append(event("response.output_item.done", [("output_index", .int(index)), ("item", done.json)]))
            }
        }
        response.status = status
        events.append(event(status == .incomplete ? "response.incomplete" : "response.completed", [("response", response.json)]))
        return events
    }

    /// A failure mid-stream: an `error` event, then `response.failed`.
    public mutating func fail(_ error: OpenAIError) -> [Event] {
        guard !ended else { return [] }
        ended = true
        response.status = .failed
        response.error = error
        return [event("error", [("code", .string(error.code ?? error.type)), ("message", .string(error.message)), ("param", .string(error.param))]),
                event("response.failed", [("response", response.json)])]
    }

    private mutating func event(_ type: String, _ fields: [(String, WireJSON)]) -> Event {
        defer { sequence += 1 }
        return Event(type: type, data: WireJSON.object([("type", .string(type))] + fields + [("sequence_number", .int(sequence))]).text)
    }
}
