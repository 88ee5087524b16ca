import ContinuumLedger
import ContinuumOpenAI
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension Gateway {
    /// The operator's dashboard at `/ui` and the JSON it reads. The page and its assets are
    /// open (they hold no data; the page asks for a key); `/ui/api/*` needs the admin scope
    /// once any key exists (RouteKind, AuthMiddleware).
    func addDashboardRoutes(to router: Router<GatewayContext>) {
        router.get("/ui") { request, _ in Self.asset("index.html", request) }
        router.get("/ui/{asset}") { request, context in
            Self.asset(context.parameters.get("asset") ?? "", request)
        }
        let metrics = self.metrics
        router.get("/ui/api/live") { request, _ in
            try DashboardQuery.refuseUnknown(request, allowed: [])
            return try Self.dashboardJSON(metrics.liveSnapshot())
        }
        let ledger = self.ledger
        router.get("/ui/api/requests") { request, _ in
            let query = try DashboardQuery(request, allowed: ["limit"])
            let limit = try query.int("limit", default: 50, in: 1...Ledger.maxRequestsPerPage)
            let rows = try await ledger?.requests(limit: limit) ?? []
            // Keys by label ("prefix (name)", as `continuum usage --by key` shows them), never their secrets.
            var labels: [Int64: String] = [:]
            if let ledger {
                for id in Set(rows.compactMap(\.keyID)) {
                    if let key = try? await ledger.key(id: id) { labels[id] = "\(key.prefix) (\(key.name))" }
                }
            }
            return try Self.dashboardJSON(DashboardHistory.Requests(
                ledger: ledger != nil, requests: rows.map { DashboardHistory.Row($0, key: $0.keyID.flatMap { labels[$0] }) }))
        }
        router.get("/ui/api/usage") { request, _ in
            let query = try DashboardQuery(request, allowed: ["hours", "bucket", "by"])
            let hours = try query.int("hours", default: 24, in: 1...24 * 90)
            let bucket = try query.int("bucket", default: 3600, in: 60...86_400)
            let by = try query.grouping("by", default: .model)
            let since = Date().addingTimeInterval(-Double(hours) * 3600)
            let buckets = try await ledger?.usageTimeline(since: since, bucketSeconds: Double(bucket), groupBy: by) ?? []
            return try Self.dashboardJSON(DashboardHistory.Usage(
                ledger: ledger != nil, by: by.rawValue, bucketSeconds: bucket, since: since.timeIntervalSince1970, buckets: buckets))
        }
    }

    /// Headers of every dashboard response: no sniffing, no framing, no referrer, and a
    /// policy that lets the page load only its own scripts and styles and talk only to
    /// this gateway (no inline script, no external network).
    static let dashboardSecurityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .xFrameOptions: "DENY",
    ]

    /// An embedded asset, revalidated on every load (`no-cache` + ETag: a new binary's page
    /// is picked up at once, an unchanged one costs a 304).
    static func asset(_ name: String, _ request: Request) -> Response {
        guard let asset = DashboardAssets.files[name] else {
            let e = OpenAIError(status: 404, message: "The dashboard has no file named '\(name)'", type: "invalid_request_error")
            return ErrorMiddleware<GatewayContext>.response(e)
        }
        var h = dashboardSecurityHeaders
        h[.cacheControl] = "no-cache"
        h[.eTag] = asset.etag
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: h)
        }
        h[.contentType] = asset.contentType
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }

    /// Dashboard data: JSON, never cached (it is live and admin-only).
    static func dashboardJSON(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var h = dashboardSecurityHeaders
        h[.cacheControl] = "no-store"
        return json(try encoder.encode(value), headers: h)
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("referrer-policy")!
    static let xFrameOptions = Self("x-frame-options")!
}
