/// A chat template could not be parsed or rendered.
///
/// A struct around a private code (as `TokenizerError`): match a kind with `==` against the
/// static members (equality ignores the message); `message` names the construct at fault and
/// the template line.
public struct JinjaError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Code: String, Sendable {
        case syntax = "template syntax error"
        case undefined = "undefined value"
        case type = "type error"
        case unsupported = "unsupported construct"
        case raised = "template raised an exception"
        case limit = "template limit exceeded"
    }

    let code: Code
    /// What went wrong, with the template line when known.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The template text does not parse.
    public static let syntax = JinjaError(.syntax, "")
    /// An undefined value was used where jinja2 raises (attribute of undefined, arithmetic).
    public static let undefined = JinjaError(.undefined, "")
    /// An operation on values of the wrong type (e.g. `none + "a"`).
    public static let type = JinjaError(.type, "")
    /// A filter, test, method or statement this interpreter does not implement.
    public static let unsupported = JinjaError(.unsupported, "")
    /// The template called `raise_exception(message)`: it rejects the conversation.
    public static let raised = JinjaError(.raised, "")
    /// Output size, loop iterations or recursion depth went over their bounds.
    public static let limit = JinjaError(.limit, "")

    public static func == (a: JinjaError, b: JinjaError) -> Bool { a.code == b.code }

    /// Whether this error is the template rejecting its input, not a fault of the template.
    public var isRaisedByTemplate: Bool { code == .raised }

    public var description: String {
        message.isEmpty ? "Jinja: \(code.rawValue)" : "Jinja: \(code.rawValue): \(message)"
    }
}
