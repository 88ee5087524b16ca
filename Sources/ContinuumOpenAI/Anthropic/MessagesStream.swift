/// Turns a chat completion's chunks into a Messages stream's events: a value-type state
/// machine, fed one chunk at a time, that opens a content block when the kind of content
/// changes (text, or a new tool call) and closes the open one before the next.
public struct MessagesStream: Sendable {
    let id: String
    let model: String
    private var started = false
    /// The open block's index and what it holds (nil: text; else the chat tool call index).
    private var open: (index: Int, call: Int?)?
    private var nextIndex = 0
    /// The block of each chat tool call index, for argument pieces of a call that is no longer the open block.
    private var callBlocks: [Int: Int] = [:]
    private var finish: OpenAIFinishReason?
    private var stopSequence: String?
    private var usage = MessagesUsage(inputTokens: 0, outputTokens: 0)

    public init(id: String, model: String) {
        self.id = id
        self.model = model
    }

    /// `message_start` (input tokens unknown yet: 0; `message_delta` carries the count) and a `ping`.
    public mutating func start() -> [MessagesStreamEvent] {
        guard !started else { return [] }
        started = true
        return [.messageStart(MessagesResponse(id: id, model: model, content: [], stopReason: nil, usage: usage)), .ping]
    }

    /// The events one chunk makes.
    public mutating func feed(_ chunk: ChatCompletionChunk) -> [MessagesStreamEvent] {
        var events = start()
        if let u = chunk.usage { usage = MessagesUsage(inputTokens: u.promptTokens, outputTokens: u.completionTokens) }
        guard let choice = chunk.choices.first else { return events }
        if let text = choice.delta.content, !text.isEmpty {
            if open == nil || open?.call != nil { events += openBlock(.text(""), call: nil) }
            events.append(.textDelta(index: open!.index, text))
        }
        for call in choice.delta.toolCalls ?? [] {
            if let callID = call.id {
                events += openBlock(.toolUse(id: callID, name: call.function.name ?? "", input: "{}"), call: call.index)
            }
            if let args = call.function.arguments, !args.isEmpty, let block = callBlocks[call.index] {
                events.append(.inputJSONDelta(index: block, args))
            }
        }
        if let f = choice.finishReason {
            finish = f
            stopSequence = f == .stop ? choice.stopReason : nil
        }
        return events
    }

    /// The last events: the open block's stop, `message_delta`, `message_stop`.
    public mutating func end() -> [MessagesStreamEvent] {
        var events = start()
        if let o = open { events.append(.contentBlockStop(index: o.index)) }
        open = nil
        events.append(.messageDelta(stopReason: MessagesResponse.stopReason(finish, stopSequence: stopSequence), stopSequence: stopSequence, usage: usage))
        events.append(.messageStop)
        return events
    }

    private mutating func openBlock(_ block: MessagesResponse.ContentBlock, call: Int?) -> [MessagesStreamEvent] {
        var events: [MessagesStreamEvent] = []
        if let o = open { events.append(.contentBlockStop(index: o.index)) }
        open = (nextIndex, call)
        if let call { callBlocks[call] = nextIndex }
        events.append(.contentBlockStart(index: nextIndex, block))
        nextIndex += 1
        return events
    }
}
