import Foundation

/// Which browser origins may call the API (Cross-Origin Resource Sharing). Off by default:
/// a gateway holding API keys should not answer pages from anywhere. An allow-list of exact
/// origins (`https://app.example.com`), or `*` for any origin — with `*` the browser does
/// not send cookies, and the gateway uses none, so keys still travel only in headers.
public struct CORSPolicy: Sendable, Equatable {
    /// Exact origins allowed (scheme, host and port as the browser sends `Origin`).
    public var origins: Set<String>
    /// Whether any origin is allowed (`*` in the list).
    public var anyOrigin: Bool
    /// Seconds a browser may cache a preflight answer.
    public var maxAgeSeconds: Int

    /// Request headers allowed when a preflight names none: the ones our APIs read.
    public static let allowedHeaders = ["authorization", "content-type", "x-api-key", "anthropic-version", "anthropic-beta",
                                        "openai-organization", "openai-project", "x-stainless-retry-count", "x-request-id"]
    /// Response headers a page may read: provenance, the request id, rate-limit hints.
    public static let exposedHeaders = ["x-continuum-tier", "x-continuum-backend", "x-continuum-route", "x-continuum-route-code",
                                        "x-request-id", "retry-after"]
    public static let allowedMethods = ["GET", "POST", "DELETE", "OPTIONS"]

    public init(origins: [String] = [], maxAgeSeconds: Int = 600) {
        self.anyOrigin = origins.contains("*")
        self.origins = Set(origins.filter { $0 != "*" }.map(Self.normalized))
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// Whether CORS is on at all.
    public var isEnabled: Bool { anyOrigin || !origins.isEmpty }

    /// What to do with a request, from its method, `Origin` and (for a preflight)
    /// `Access-Control-Request-Method`. Pure, so it is tested with a table.
    public func decide(method: String, origin: String?, requestMethod: String?) -> Decision {
        guard isEnabled, let origin else { return .plain }
        let allowed = anyOrigin || origins.contains(Self.normalized(origin))
        let isPreflight = method == "OPTIONS" && requestMethod != nil
        switch (isPreflight, allowed) {
        case (true, true):
            guard let m = requestMethod, Self.allowedMethods.contains(m.uppercased()) else { return .refusePreflight }
            return .preflight(allowOrigin: anyOrigin ? "*" : origin)
        case (true, false): return .refusePreflight
        case (false, true): return .annotate(allowOrigin: anyOrigin ? "*" : origin)
        case (false, false): return .plain
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Not a CORS request, or from an origin not allowed: answered without CORS headers
        /// (the browser then withholds the answer from the page).
        case plain
        /// An allowed preflight: 204 with the allowed methods and headers.
        case preflight(allowOrigin: String)
        /// A preflight from an origin not allowed (or for a method we do not serve): 403.
        case refusePreflight
        /// An allowed actual request: answered, with `Access-Control-Allow-Origin`.
        case annotate(allowOrigin: String)
    }

    /// Whether `s` is an origin a browser sends: `scheme://host[:port]` (http or https), or `*`.
    public static func isOrigin(_ s: String) -> Bool {
        if s == "*" { return true }
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else { return false }
        return (u.path.isEmpty || u.path == "/") && u.query == nil && u.fragment == nil && u.user == nil
    }

    /// Origins compare without a trailing slash and case-insensitively in scheme and host.
    static func normalized(_ origin: String) -> String {
        var o = origin.lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        return o
    }
}
