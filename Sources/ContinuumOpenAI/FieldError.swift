/// Thrown from the wire types' `init(from:)` where Foundation's own `DecodingError` would be
/// vague: a value of the wrong shape for a field that takes several, an enum value this API
/// does not know, a value it does not support. ``OpenAIError/decoding(_:body:)`` turns it into
/// the OpenAI-shaped error with `param` set to ``path``.
struct FieldError: Error {
    enum Problem: Sendable {
        /// Wrong JSON type; `expected` reads "a string or an array of strings".
        case type(expected: String)
        /// Right type, value not allowed.
        case value(String)
        /// A valid OpenAI value this server does not support.
        case unsupported(String)
    }

    let path: [JSONPathComponent]
    let problem: Problem

    init(_ codingPath: [any CodingKey], _ problem: Problem) {
        self.path = .init(codingPath)
        self.problem = problem
    }
}
