import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// Turns any error thrown by a handler into OpenAI's error shape with the right status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as OpenAIError {
            return Self.response(e)
        } catch let e as RoutedError {
            var response = Self.response(e.error)
            response.headers.append(contentsOf: e.headers)
            return response
        } catch let e as HTTPError {
            if e.status == .notFound {
                if let allowed = RouteKind.methods[request.uri.path], !allowed.contains(request.method.rawValue) {
                    var response = Self.response(OpenAIError(
                        status: 405, message: "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))",
                        type: "invalid_request_error"))
                    response.headers[.allow] = allowed.joined(separator: ", ")
                    return response
                }
                return Self.response(OpenAIError(status: 404, message: "Unknown path \(request.uri.path)", type: "invalid_request_error"))
            }
            if e.status == .contentTooLarge { return Self.response(OpenAIError.bodyTooLarge(limitBytes: 0)) }
            return Self.response(OpenAIError(status: Int(e.status.code), message: e.body ?? "\(e.status)", type: "invalid_request_error"))
        } catch let e as LedgerError {
            return Self.response(.serverError("ledger: \(e)"))
        } catch {
            return Self.response(.serverError("\(error)"))
        }
    }

    static func response(_ e: OpenAIError) -> Response {
        var h = HTTPFields()
        if let r = e.retryAfterSeconds { h[.retryAfter] = String(r) }
        return Gateway.json(e.body, status: HTTPResponse.Status(code: e.status), headers: h)
    }
}
