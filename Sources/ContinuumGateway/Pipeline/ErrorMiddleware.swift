import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// Turns any error thrown by a handler or an inner middleware (auth, rate limits, body
/// limits) into the error shape of the request's protocol with the right status: OpenAI's,
/// or Anthropic's on `/v1/messages` (same status and message, Anthropic's type name).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let shape = ErrorShape(path: request.uri.path)
        do {
            return try await next(request, context)
        } catch let e as OpenAIError {
            return Self.response(e, shape: shape)
        } catch let e as RoutedError {
            var response = Self.response(e.error, shape: shape)
            response.headers.append(contentsOf: e.headers)
            return response
        } catch let e as HTTPError {
            if e.status == .notFound {
                if let allowed = RouteKind.methods[request.uri.path], !allowed.contains(request.method.rawValue) {
                    var response = Self.response(OpenAIError(
                        status: 405, message: "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))",
                        type: "invalid_request_error"), shape: shape)
                    response.headers[.allow] = allowed.joined(separator: ", ")
                    return response
                }
                return Self.response(OpenAIError(status: 404, message: "Unknown path \(request.uri.path)", type: "invalid_request_error"), shape: shape)
            }
            if e.status == .contentTooLarge { return Self.response(OpenAIError.bodyTooLarge(limitBytes: 0), shape: shape) }
            return Self.response(OpenAIError(status: Int(e.status.code), message: e.body ?? "\(e.status)", type: "invalid_request_error"), shape: shape)
        } catch let e as LedgerError {
            return Self.response(.serverError("ledger: \(e)"), shape: shape)
        } catch {
            return Self.response(.serverError("\(error)"), shape: shape)
        }
    }

    static func response(_ e: OpenAIError, shape: ErrorShape = .openAI) -> Response {
        var h = HTTPFields()
        if let r = e.retryAfterSeconds { h[.retryAfter] = String(r) }
        let body = switch shape {
        case .openAI: e.body
        case .anthropic: AnthropicError(e).body
        }
        return Gateway.json(body, status: HTTPResponse.Status(code: e.status), headers: h)
    }
}

/// Which protocol's error body a path answers with.
enum ErrorShape: Sendable {
    case openAI, anthropic

    init(path: String) {
        self = path == "/v1/messages" || path.hasPrefix("/v1/messages/") ? .anthropic : .openAI
    }
}
