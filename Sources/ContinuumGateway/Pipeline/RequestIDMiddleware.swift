import ContinuumOpenAI
import Hummingbird
import HTTPTypes

/// Gives every request its id first (the OpenAI object id of its answer and its ledger row's
/// id) and sends it back as `x-request-id` on every response, errors included. A proxied
/// answer keeps the id its handler set (the upstream's, where it gave one).
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        var context = context
        var random = SystemRandomNumberGenerator()
        context.requestID = ResponseID.make(prefix: RouteKind.idPrefix(path: request.uri.path), using: &random)
        var response = try await next(request, context)
        if response.headers[.requestID] == nil { response.headers[.requestID] = context.requestID }
        return response
    }
}
