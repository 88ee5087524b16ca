public import Foundation

/// Frames for a `text/event-stream` response as OpenAI sends them: each chunk as
/// `data: <json>\n\n`, then `data: [DONE]\n\n`. A failure after the stream has started
/// (headers already sent) is reported with ``error(_:)``, which OpenAI's clients raise as
/// an `APIError`; close the stream after it.
public enum SSEEncoder {
    /// `data: [DONE]\n\n`, the last frame of an OpenAI stream.
    public static let done = Data("data: [DONE]\n\n".utf8)

    /// `data: <compact json of value>\n\n`.
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        frame(json: try OpenAIJSON.encode(value))
    }

    /// `data: {"error": {...}}\n\n`: a mid-stream failure.
    public static func error(_ error: OpenAIError) -> Data {
        frame(json: error.body)
    }

    /// A comment line (`: text\n\n`), e.g. a keep-alive; parsers ignore it.
    public static func comment(_ text: String) -> Data {
        Data((": " + text.filter { $0 != "\n" && $0 != "\r" } + "\n\n").utf8)
    }

    /// Any event: `event:`, `id:`, `retry:` if set, one `data:` line per line of `data`,
    /// then a blank line. Line breaks inside `event` and `id` are dropped.
    public static func encode(_ event: ServerSentEvent) -> Data {
        var out = ""
        if let type = event.event { out += "event: \(type.filter { $0 != "\n" && $0 != "\r" })\n" }
        if let id = event.id { out += "id: \(id.filter { $0 != "\n" && $0 != "\r" && $0 != "\0" })\n" }
        if let retry = event.retry { out += "retry: \(retry)\n" }
        // "\r\n" is one Character in Swift, so split on all three line endings.
        for line in event.data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            out += "data: \(line)\n"
        }
        out += "\n"
        return Data(out.utf8)
    }

    private static func frame(json: Data) -> Data {
        var out = Data(capacity: json.count + 8)
        out.append(contentsOf: "data: ".utf8)
        out.append(json)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }
}
