/// Why the batch engine refused a request.
public struct BatchEngineError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case queueFull = "too many requests are waiting"
        case promptTooLong = "prompt longer than the context"
        case emptyPrompt = "empty prompt"
        case invalidToken = "token id out of range"
        case shuttingDown = "the engine is shutting down"
        case tooLargeForCache = "request needs more KV cache than exists"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
    public var description: String { "\(code.rawValue): \(message)" }
}
