import ContinuumGateway
import Testing

/// CORSPolicy's decisions, and `cors:` in the serve config.
@Suite struct CORSPolicyTests {
    static let app = "https://app.example.com"

    @Test func decisionsFollowTheAllowList() {
        let list = CORSPolicy(origins: [Self.app, "http://localhost:3000/"])
        let any = CORSPolicy(origins: ["*"])
        let off = CORSPolicy()
        let table: [(CORSPolicy, String, String?, String?, CORSPolicy.Decision)] = [
            // policy, method, Origin, Access-Control-Request-Method → decision
            (off, "OPTIONS", Self.app, "POST", .plain),
            (off, "POST", Self.app, nil, .plain),
            (list, "POST", nil, nil, .plain),
            (list, "OPTIONS", Self.app, "POST", .preflight(allowOrigin: Self.app)),
            (list, "OPTIONS", "HTTPS://APP.example.com", "post", .preflight(allowOrigin: "HTTPS://APP.example.com")),
            (list, "OPTIONS", "http://localhost:3000", "GET", .preflight(allowOrigin: "http://localhost:3000")),
            (list, "OPTIONS", Self.app, "PATCH", .refusePreflight),
            (list, "OPTIONS", "https://evil.example.com", "POST", .refusePreflight),
            (list, "OPTIONS", "https://app.example.com.evil.net", "POST", .refusePreflight),
            (list, "POST", Self.app, nil, .annotate(allowOrigin: Self.app)),
            (list, "POST", "https://evil.example.com", nil, .plain),
            // An OPTIONS without the preflight header is an ordinary request.
            (list, "OPTIONS", Self.app, nil, .annotate(allowOrigin: Self.app)),
            (any, "OPTIONS", "https://anywhere.net", "POST", .preflight(allowOrigin: "*")),
            (any, "GET", "null", nil, .annotate(allowOrigin: "*")),
        ]
        for (policy, method, origin, requested, expected) in table {
            #expect(policy.decide(method: method, origin: origin, requestMethod: requested) == expected,
                    "\(method) from \(origin ?? "-") asking \(requested ?? "-")")
        }
        #expect(!off.isEnabled && list.isEnabled && any.isEnabled)
    }

    @Test func originsAreValidated() {
        for good in ["*", "https://a.b", "http://localhost:8080", "https://x.example.com/"] { #expect(CORSPolicy.isOrigin(good), "\(good)") }
        for bad in ["a.b", "ftp://a.b", "https://a.b/path", "https://a.b?q=1", "https://u@a.b", ""] { #expect(!CORSPolicy.isOrigin(bad), "\(bad)") }
    }

    @Test func configReadsCORS() throws {
        let base = "backends: {a: {type: local}}\nmodels: {m: a}\n"
        let c = try ServeConfig.parse(yaml: base + "cors: {origins: ['\(Self.app)'], max_age_seconds: 60}")
        #expect(c.cors == CORSPolicy(origins: [Self.app], maxAgeSeconds: 60))
        #expect(try !ServeConfig.parse(yaml: base).cors.isEnabled)
        for (yaml, needle) in [("cors: {origins: [app.example.com]}", "cors.origins"), ("cors: {origin: ['*']}", "cors.origin"),
                               ("cors: yes", "cors must be a mapping")] {
            do {
                _ = try ServeConfig.parse(yaml: base + yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.message.contains(needle), "\(error.message)")
            }
        }
    }
}
