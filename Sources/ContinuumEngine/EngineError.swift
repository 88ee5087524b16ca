/// A request the engine cannot serve, or a model it cannot load. Messages say what to do.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case load = "cannot load model"
        case emptyPrompt = "empty prompt"
        case promptTooLong = "prompt longer than the context"
        case invalidToken = "token id out of range"
        case template = "chat template"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
