import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird

/// Requests-per-minute and tokens-per-minute limits of the authenticated key, on the
/// inference routes, before the body is read (a limited client costs no parsing). Tokens
/// are charged as requests finish (RequestLog). With a shared store the limits are leased
/// from it (SharedRates); while it is away and the leases here are spent: 503 (fail closed)
/// or this instance's own in-memory limits (fail open).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        if let key = context.key, request.method == .post, key.requestsPerMinute != nil || key.tokensPerMinute != nil,
           let wait = try await admit(key) {
            let limits = [key.requestsPerMinute.map { "\($0) requests" }, key.tokensPerMinute.map { "\($0) tokens" }].compactMap { $0 }
            throw OpenAIError.rateLimited(retryAfterSeconds: max(1, Int(min(wait, 3600).rounded(.up))),
                                          "Rate limit reached for this key (\(limits.joined(separator: ", ")) per minute)")
        }
        return try await next(request, context)
    }

    /// Seconds to wait, or nil: admitted.
    private func admit(_ key: KeyRecord) async throws -> Double? {
        let now = Date().timeIntervalSince1970
        if let shared = limiter.shared {
            do {
                return try await shared.rates.admit(key: key.id, requestsPerMinute: key.requestsPerMinute,
                                                    tokensPerMinute: key.tokensPerMinute, now: now)
            } catch {
                if shared.policy == .failClosed { throw shared.unreachable(error) }
            }
        }
        return limiter.admit(key: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute, now: now)
    }
}
