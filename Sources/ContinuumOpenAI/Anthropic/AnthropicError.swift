public import Foundation

/// An error in Anthropic's shape, `{"type":"error","error":{"type":…,"message":…}}`, made
/// from the gateway's own (OpenAI-shaped) error: the same status and message, Anthropic's
/// type name for the status.
public struct AnthropicError: Error, Sendable, Equatable {
    public let status: Int
    /// `invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`,
    /// `request_too_large`, `rate_limit_error`, `api_error` or `overloaded_error`.
    public let type: String
    public let message: String

    public init(status: Int, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    public init(_ e: OpenAIError) {
        self.init(status: e.status, type: Self.type(status: e.status), message: e.message)
    }

    /// Anthropic's error type for an HTTP status.
    public static func type(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 402, 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    public var body: Data {
        let json = #"{"type":"error","error":{"type":\#(Self.quoted(type)),"message":\#(Self.quoted(message))}}"#
        return Data(json.utf8)
    }

    static func quoted(_ s: String) -> String { String(decoding: RawJSON.encode(s), as: UTF8.self) }
}
