package import ContinuumOpenAI
import Foundation
package import NIOHTTP1

/// Why ``ConnectionGuard`` answered a connection itself and closed it: a value first
/// (tests and logs compare these), rendered as OpenAI's error shape only when written. Also the
/// error the handlers' inbound stream fails with.
package enum ConnectionRejection: Error, Sendable, Equatable {
    /// The request head did not arrive within the header timeout (408).
    case headerTimeout
    /// The body went silent for longer than the body timeout (408).
    case bodyTimeout
    /// The request line alone exceeded the decoder's field limit (414).
    case requestLineTooLong
    /// The headers exceeded the decoder's limits (431).
    case headersTooLarge
    /// The connection ended inside the request, e.g. a body shorter than its Content-Length (400).
    case truncated
    /// Framing the decoder could not parse: a bad chunk size, method, header token, … (400).
    case malformed(HTTPParserError)
    /// The server already holds its maximum of connections (503, `Retry-After: 1`).
    case overCapacity

    /// The rejection for a decoder error; `lineEnded` says whether the request line ended within
    /// the decoder's field limit, which tells an over-long request line (414) from over-long
    /// headers (431).
    package init(_ error: HTTPParserError, lineEnded: Bool) {
        switch error {
        case .headerOverflow: self = lineEnded ? .headersTooLarge : .requestLineTooLong
        case .invalidEOFState: self = .truncated
        default: self = .malformed(error)
        }
    }

    package var status: HTTPResponseStatus {
        switch self {
        case .headerTimeout, .bodyTimeout: .requestTimeout
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .truncated, .malformed: .badRequest
        case .overCapacity: .serviceUnavailable
        }
    }

    /// A short, bounded name, fit for a log field or a metric label.
    package var label: String {
        switch self {
        case .headerTimeout: "header_timeout"
        case .bodyTimeout: "body_timeout"
        case .requestLineTooLong: "request_line_too_long"
        case .headersTooLarge: "headers_too_large"
        case .truncated: "truncated_request"
        case .malformed: "malformed_request"
        case .overCapacity: "too_many_connections"
        }
    }

    /// Seconds for `Retry-After`, when retrying soon can work.
    package var retryAfterSeconds: Int? { self == .overCapacity ? 1 : nil }

    package var error: OpenAIError {
        let message = switch self {
        case .headerTimeout: "The request head did not arrive in time."
        case .bodyTimeout: "The request body stopped arriving."
        case .requestLineTooLong: "The request line is too long."
        case .headersTooLarge: "The request headers are too large."
        case .truncated: "The connection ended before the whole request arrived."
        case .malformed(let e): "The request is not valid HTTP/1.1 (\(e))."
        case .overCapacity: "The server has too many open connections; retry shortly."
        }
        return OpenAIError(status: Int(status.code), message: message,
                           type: self == .overCapacity ? "server_error" : "invalid_request_error",
                           code: label, retryAfterSeconds: retryAfterSeconds)
    }

    /// The whole response, closing the connection: head (in `version`) and JSON body.
    package func response(version: HTTPVersion) -> (head: HTTPResponseHead, body: [UInt8]) {
        let e = error
        let body = Array(e.body)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "close")
        if let r = e.retryAfterSeconds { headers.add(name: "retry-after", value: String(r)) }
        return (HTTPResponseHead(version: version, status: status, headers: headers), body)
    }
}
