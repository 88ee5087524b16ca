/// An upstream event stream could not be parsed.
public struct SSEParserError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// One event (its pending line and data) grew past ``SSEParser/maxEventBytes``.
        case eventTooLarge = "event too large"
        /// The stream ended in the middle of an event.
        case truncated = "stream ended inside an event"
        /// The parser already failed; make a new one.
        case alreadyFailed = "parser already failed"
    }

    public let code: Code
    /// The byte limit in force.
    public let limit: Int

    public init(_ code: Code, limit: Int) {
        self.code = code
        self.limit = limit
    }

    public var description: String {
        code == .eventTooLarge ? "SSE: \(code.rawValue) (limit \(limit) bytes)" : "SSE: \(code.rawValue)"
    }
}
