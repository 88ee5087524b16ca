import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird

/// Requests-per-minute and tokens-per-minute limits of the authenticated key, on the
/// inference routes, before the body is read (a limited client costs no parsing). Tokens
/// are charged as requests finish (RequestLog).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        if let key = context.key, request.method == .post, key.requestsPerMinute != nil || key.tokensPerMinute != nil,
           let wait = limiter.admit(key: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute,
                                    now: Date().timeIntervalSince1970) {
            let limits = [key.requestsPerMinute.map { "\($0) requests" }, key.tokensPerMinute.map { "\($0) tokens" }].compactMap { $0 }
            throw OpenAIError.rateLimited(retryAfterSeconds: max(1, Int(min(wait, 3600).rounded(.up))),
                                          "Rate limit reached for this key (\(limits.joined(separator: ", ")) per minute)")
        }
        return try await next(request, context)
    }
}
