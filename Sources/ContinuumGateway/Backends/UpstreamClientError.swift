/// Why an ``UpstreamClient`` request failed. Typed so a caller can tell "retry elsewhere"
/// (nothing reached the upstream, or it never answered) from "the answer broke off".
public enum UpstreamClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The base URL is not `http://host[:port][/path]`.
    case invalidURL(String)
    /// Only `http` is spoken: TLS would need NIOSSL as a direct dependency (see ``UpstreamClient``).
    case unsupportedScheme(String)
    /// Nothing listens at the upstream's address.
    case connectionRefused(String)
    /// Opening the connection failed for another reason (unreachable host, name lookup, …).
    case connectFailed(String)
    /// Opening the connection took longer than the client's connect timeout.
    case connectTimeout(Duration)
    /// The response head did not arrive within the first-byte timeout after the request was sent.
    case firstByteTimeout(Duration)
    /// The body went silent for longer than the read timeout.
    case readTimeout(Duration)
    /// The upstream closed the connection (or it broke) before the response head.
    case closedBeforeHead
    /// The upstream closed the connection (or it broke) before the end of the body.
    case closedMidBody
    /// The upstream sent something that is not HTTP/1.1.
    case invalidResponse(String)
    /// ``UpstreamBody/collect(upTo:)`` would have needed more than `limit` bytes.
    case bodyTooLarge(limit: Int)
    /// Every connection is busy and `limit` requests already wait for one.
    case tooManyWaiting(limit: Int)
    /// ``UpstreamClient/shutdown()`` was called.
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid upstream URL '\(url)' (expected http://host[:port][/path])"
        case .unsupportedScheme(let scheme): "unsupported upstream scheme '\(scheme)' (only http; https needs TLS, which this client does not speak)"
        case .connectionRefused(let address): "connection refused by \(address)"
        case .connectFailed(let reason): "could not connect to the upstream: \(reason)"
        case .connectTimeout(let d): "could not connect to the upstream within \(d)"
        case .firstByteTimeout(let d): "the upstream sent no response head within \(d)"
        case .readTimeout(let d): "the upstream's response body was silent for more than \(d)"
        case .closedBeforeHead: "the upstream closed the connection before answering"
        case .closedMidBody: "the upstream closed the connection in the middle of the response body"
        case .invalidResponse(let reason): "the upstream's response is not valid HTTP/1.1: \(reason)"
        case .bodyTooLarge(let limit): "the upstream's response body is larger than \(limit) bytes"
        case .tooManyWaiting(let limit): "all upstream connections are busy and \(limit) requests already wait for one"
        case .shutDown: "the upstream client is shut down"
        }
    }
}

extension UpstreamClientError {
    /// The upstream was too slow (connecting, answering, or between body parts).
    var isTimeout: Bool {
        switch self {
        case .connectTimeout, .firstByteTimeout, .readTimeout: true
        default: false
        }
    }
}
