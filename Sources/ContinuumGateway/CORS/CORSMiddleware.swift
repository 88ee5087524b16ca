import Hummingbird
import HTTPTypes

/// Carries out CORSPolicy's decision. Outermost, so preflights (which carry no API key) are
/// answered before authentication, and errors get the headers too (a page can read a 401).
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CORSPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = policy.decide(method: request.method.rawValue, origin: request.headers[.origin],
                                     requestMethod: request.headers[.accessControlRequestMethod])
        switch decision {
        case .plain:
            var response = try await next(request, context)
            if policy.isEnabled { response.headers.append(HTTPField(name: .vary, value: "Origin")) }
            return response
        case .refusePreflight:
            var h = HTTPFields()
            h[.vary] = "Origin"
            return Response(status: .forbidden, headers: h)
        case .preflight(let origin):
            var h = HTTPFields()
            h[.accessControlAllowOrigin] = origin
            h[.accessControlAllowMethods] = CORSPolicy.allowedMethods.joined(separator: ", ")
            // The headers the page asked for (SDKs add their own, e.g. OpenAI's x-stainless-*):
            // the origin is trusted, and keys are checked on the actual request anyway.
            h[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? CORSPolicy.allowedHeaders.joined(separator: ", ")
            h[.accessControlMaxAge] = String(policy.maxAgeSeconds)
            h[.vary] = "Origin"
            return Response(status: .noContent, headers: h)
        case .annotate(let origin):
            var response = try await next(request, context)
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = CORSPolicy.exposedHeaders.joined(separator: ", ")
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
            return response
        }
    }
}
