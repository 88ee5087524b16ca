import Hummingbird

/// Counts every response by route and status, and times it to its head (streams: until the
/// first bytes go out; their tokens are timed by the ledger and the token histograms).
/// Labels come from a fixed set: an unknown path counts as "other".
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let metrics: GatewayMetrics

    static let routes: Set<String> = ["/health", "/ready", "/metrics", "/openapi.json", "/v1/models", "/v1/chat/completions",
                                      "/v1/completions", "/v1/embeddings", "/v1/kv-events",
                                      "/ui", "/ui/api/live", "/ui/api/requests", "/ui/api/usage",
                                      "/v1/messages"]

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let route = Self.routes.contains(path) ? path : "other"
        do {
            let response = try await next(request, context)
            metrics.http(route: route, status: Int(response.status.code), since: context.arrived)
            return response
        } catch {
            metrics.http(route: route, status: 500, since: context.arrived)
            throw error
        }
    }
}
