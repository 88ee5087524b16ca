public import Foundation

/// An error in the shape OpenAI's API returns it, with the HTTP status to send:
///
/// ```json
/// {"error": {"message": "…", "type": "invalid_request_error", "param": "temperature", "code": null}}
/// ```
///
/// Build one with the static constructors in `OpenAIError+cases.swift` (one per case a
/// client can meet), or parse an upstream server's error body with ``init(status:body:)``.
/// ``label`` is a short, bounded name of the case, fit for a metric label.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bounded set of cases this module produces; `upstream` for errors parsed from a backend.
    enum Kind: String, Sendable {
        case malformedJSON = "malformed_json"
        case invalidType = "invalid_type"
        case missingParameter = "missing_parameter"
        case invalidValue = "invalid_value"
        case unsupportedValue = "unsupported_value"
        case modelNotFound = "model_not_found"
        case contextLengthExceeded = "context_length_exceeded"
        case bodyTooLarge = "body_too_large"
        case rateLimited = "rate_limited"
        case insufficientQuota = "insufficient_quota"
        case authentication
        case permission
        case backendFailure = "backend_failure"
        case backendUnavailable = "backend_unavailable"
        case backendTimeout = "backend_timeout"
        case serverError = "server_error"
        case upstream
    }

    /// HTTP status of the response that carries this error.
    public let status: Int
    /// Human-readable explanation; names the offending parameter where there is one.
    public let message: String
    /// OpenAI's error `type`, e.g. `invalid_request_error`, `server_error`.
    public let type: String
    /// The request parameter at fault as a JSON path (`messages[2].content`), or nil.
    public let param: String?
    /// OpenAI's machine-readable `code`, e.g. `model_not_found`, or nil.
    public let code: String?
    /// Seconds for a `Retry-After` header (rate limits, unavailable backends); not in the body.
    public let retryAfterSeconds: Int?
    let kind: Kind

    init(_ kind: Kind, status: Int, message: String, type: String, param: String? = nil,
         code: String? = nil, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// An error with arbitrary fields, e.g. relayed from an upstream server. Its ``label`` is `upstream`.
    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                retryAfterSeconds: Int? = nil) {
        self.init(.upstream, status: status, message: message, type: type, param: param, code: code,
                  retryAfterSeconds: retryAfterSeconds)
    }

    /// Parses an OpenAI error envelope (`{"error": {...}}`), as an upstream server sends it in
    /// an error response or a mid-stream SSE event. Nil when `body` is not such an envelope.
    public init?(status: Int, body: Data) {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: body) else { return nil }
        let e = envelope.error
        self.init(status: status, message: e.message, type: e.type ?? "api_error", param: e.param,
                  code: e.code?.text)
    }

    /// A short name of the case from a bounded set (e.g. `invalid_value`, `rate_limited`,
    /// `upstream`), suitable as a metric label.
    public var label: String { kind.rawValue }

    /// The JSON body to send: `{"error": {"message", "type", "param", "code"}}`, with
    /// `param` and `code` present as `null` when absent, as OpenAI sends them.
    public var body: Data {
        // Written by hand to keep OpenAI's key order (JSONEncoder's order is unspecified).
        func json(_ s: String?) -> String {
            guard let s, let d = try? OpenAIJSON.encode(s) else { return "null" }
            return String(decoding: d, as: UTF8.self)
        }
        return Data(#"{"error":{"message":\#(json(message)),"type":\#(json(type)),"param":\#(json(param)),"code":\#(json(code))}}"#.utf8)
    }

    public var description: String {
        "\(status) \(type)\(code.map { " (\($0))" } ?? ""): \(message)"
    }

    public static func == (a: OpenAIError, b: OpenAIError) -> Bool {
        a.status == b.status && a.message == b.message && a.type == b.type && a.param == b.param
            && a.code == b.code && a.retryAfterSeconds == b.retryAfterSeconds
    }
}

extension OpenAIError {
    struct Envelope: Decodable {
        var error: Body
    }

    struct Body: Decodable {
        var message: String
        var type: String?
        var param: String?
        var code: Code?
    }

    /// Some servers send a numeric `code`; keep it as text.
    enum Code: Decodable {
        case text(String)

        var text: String { switch self { case .text(let s): s } }

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .text(String(try c.decode(Int.self))) }
        }
    }
}
