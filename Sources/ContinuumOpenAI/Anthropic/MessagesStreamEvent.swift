public import Foundation

/// One event of a streaming Messages answer, in Anthropic's order: `message_start`, `ping`,
/// per content block `content_block_start`, `content_block_delta`…, `content_block_stop`,
/// then `message_delta` (stop reason, output tokens) and `message_stop`; or `error`.
public enum MessagesStreamEvent: Sendable, Equatable {
    case messageStart(MessagesResponse)
    case ping
    case contentBlockStart(index: Int, MessagesResponse.ContentBlock)
    case textDelta(index: Int, String)
    case inputJSONDelta(index: Int, String)
    case contentBlockStop(index: Int)
    case messageDelta(stopReason: String, stopSequence: String?, usage: MessagesUsage)
    case messageStop
    case error(AnthropicError)

    /// The `event:` name.
    public var name: String {
        switch self {
        case .messageStart: "message_start"
        case .ping: "ping"
        case .contentBlockStart: "content_block_start"
        case .textDelta, .inputJSONDelta: "content_block_delta"
        case .contentBlockStop: "content_block_stop"
        case .messageDelta: "message_delta"
        case .messageStop: "message_stop"
        case .error: "error"
        }
    }

    /// The `data:` JSON.
    public var data: String {
        func json(_ v: some Encodable) -> String { (try? OpenAIJSON.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "null" }
        func q(_ s: String) -> String { AnthropicError.quoted(s) }
        switch self {
        case .messageStart(let m): return #"{"type":"message_start","message":\#(json(m))}"#
        case .ping: return #"{"type":"ping"}"#
        case .contentBlockStart(let i, let block):
            // A tool_use block starts with an empty input; its JSON follows in input_json_delta events.
            let b = if case .toolUse(let id, let name, _) = block { json(MessagesResponse.ContentBlock.toolUse(id: id, name: name, input: "{}")) } else { json(block) }
            return #"{"type":"content_block_start","index":\#(i),"content_block":\#(b)}"#
        case .textDelta(let i, let t):
            return #"{"type":"content_block_delta","index":\#(i),"delta":{"type":"text_delta","text":\#(q(t))}}"#
        case .inputJSONDelta(let i, let t):
            return #"{"type":"content_block_delta","index":\#(i),"delta":{"type":"input_json_delta","partial_json":\#(q(t))}}"#
        case .contentBlockStop(let i): return #"{"type":"content_block_stop","index":\#(i)}"#
        case .messageDelta(let reason, let seq, let usage):
            return #"{"type":"message_delta","delta":{"stop_reason":\#(q(reason)),"stop_sequence":\#(seq.map(q) ?? "null")},"usage":{"input_tokens":\#(usage.inputTokens),"output_tokens":\#(usage.outputTokens)}}"#
        case .messageStop: return #"{"type":"message_stop"}"#
        case .error(let e): return String(decoding: e.body, as: UTF8.self)
        }
    }

    /// The SSE frame: `event: <name>\ndata: <json>\n\n`.
    public var frame: Data { SSEEncoder.encode(ServerSentEvent(event: name, data: data)) }
}
