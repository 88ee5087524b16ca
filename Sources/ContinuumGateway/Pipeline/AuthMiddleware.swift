import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes

/// Authentication, before routing: once any key exists, every route but `/health` and
/// `/ready` needs one (`Authorization: Bearer`, or `x-api-key`), and a client without a
/// valid key learns nothing, not even whether a path or a model exists. `/metrics` and
/// `/v1/kv-events` need the `admin` scope, the inference routes the `inference` scope.
/// Which models and tiers the key may use is the route decision's (RoutePlanner).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let ledger: Ledger?

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        let kind = RouteKind(path: request.uri.path)
        guard kind != .open, let ledger, try await ledger.hasAnyKeys() else { return try await next(request, context) }
        guard let secret = Self.secret(request.headers) else { throw OpenAIError.missingAPIKey() }
        guard let key = try await ledger.authenticate(secret) else { throw OpenAIError.invalidAPIKey() }
        switch kind {
        case .admin where !key.isAdmin:
            throw OpenAIError.permissionDenied("this key has no admin scope, which \(request.uri.path) needs (continuum keys create --admin)")
        case .inference where !key.mayInfer:
            throw OpenAIError.permissionDenied("this key has no inference scope (its scopes: \(key.scopes.joined(separator: ", ")))")
        default: break
        }
        var context = context
        context.key = key
        return try await next(request, context)
    }

    /// The key from `Authorization: Bearer KEY` or `x-api-key: KEY`.
    static func secret(_ headers: HTTPFields) -> String? {
        if let header = headers[.authorization] {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return headers[.apiKey].map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

extension HTTPField.Name {
    /// Anthropic-style clients send their key here.
    static let apiKey = Self("x-api-key")!
}
