public import ContinuumEngine
public import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import ContinuumTokenizers
import Foundation
public import Hummingbird
import HTTPTypes
import NIOCore

/// The OpenAI-compatible HTTP server: routes, auth by API key, one ledger row per request,
/// provenance headers, SSE streaming; each served model answered by its replica group of
/// backends (engines in process or OpenAI-compatible servers elsewhere).
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let groups: [String: ReplicaGroup]
    /// Model names answered by a tier cascade over `groups`.
    public let cascades: [String: Cascade]
    public let ledger: Ledger?
    public let metrics: GatewayMetrics
    /// Sentence-embedding models served at `POST /v1/embeddings`, by name (EmbeddingsHandler).
    public var embeddingModels: [String: EmbeddingEngine] = [:]
    /// The PostgreSQL store shared with other instances (`--ledger-url`); nil: this instance
    /// alone, its SQLite ledger and in-memory limits. Migrated and running before serving.
    public var sharedStore: SharedStore?
    /// Every distinct backend, in the order first named.
    let backends: [Backend]
    let limiter = RateLimiter()
    let budgets = BudgetAccounts()
    /// The served models as the route decision sees them (RouteFacts).
    let servedFacts: [String: RouteFacts.ServedModel]

    public init(configuration: GatewayConfiguration, groups: [ReplicaGroup], cascades: [Cascade] = [], ledger: Ledger?) {
        self.configuration = configuration
        self.cascades = Dictionary(cascades.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.ledger = ledger
        self.groups = Dictionary(groups.map { ($0.model, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        backends = groups.flatMap(\.backends).filter { seen.insert($0.name).inserted }
        metrics = GatewayMetrics(locals: backends.compactMap { if case .local(let l) = $0 { l } else { nil } }, groups: groups)
        servedFacts = Dictionary(groups.map { g in
            (g.model, RouteFacts.ServedModel(
                backends: g.backends.map { RouteFacts.Backend(name: $0.name, tier: $0.tier, local: { if case .local = $0 { true } else { false } }($0)) },
                fallbacks: g.fallbacks, policy: g.policyName))
        }, uniquingKeysWith: { a, _ in a })
    }

    /// One local engine serving one model name: `continuum serve` without a config file.
    public init(configuration: GatewayConfiguration, model: String, engine: BatchEngine, ledger: Ledger?) {
        self.init(configuration: configuration,
                  groups: [ReplicaGroup(model: model, backends: [.local(LocalBackend(name: "local", engine: engine))])],
                  ledger: ledger)
    }

    var localBackends: [LocalBackend] { backends.compactMap { if case .local(let l) = $0 { l } else { nil } } }
    var remoteBackends: [OpenAIBackend] { backends.compactMap { if case .openai(let o) = $0 { o } else { nil } } }

    /// The Hummingbird application; run it with `runService()` (graceful on SIGTERM/SIGINT).
    /// Middleware, outermost first: CORS (when configured), request id, metrics, errors in OpenAI's shape,
    /// authentication, rate limits; then the routes.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: GatewayContext.self)
        if configuration.cors.isEnabled { router.add(middleware: CORSMiddleware(policy: configuration.cors)) }
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthMiddleware(ledger: ledger))
        router.add(middleware: RateLimitMiddleware(limiter: limiter))
        let groups = self.groups
        router.get("/health") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/ready") { _, _ in
            let down = groups.values.filter { !$0.isAvailable }.map(\.model).sorted()
            guard down.isEmpty else {
                throw OpenAIError.backendUnavailable("no healthy backend for: \(down.joined(separator: ", "))", retryAfterSeconds: 5)
            }
            return Self.json(#"{"status":"ready"}"#)
        }
        let names = (Array(groups.keys) + cascades.keys + embeddingModels.keys).sorted()
        router.get("/v1/models") { _, context in
            // Only the models this key may use.
            let visible = names.filter { context.key?.allows(model: $0) ?? true }
            return Self.json(try OpenAIJSON.encode(ModelList(data: visible.map { Model(id: $0, created: 0, ownedBy: "continuum") })))
        }
        // Model names may hold slashes ("org/name"): the rest of the path is the id.
        router.get("/v1/models/**") { _, context in
            let id = context.parameters.getCatchAll().joined(separator: "/")
            guard names.contains(id), context.key?.allows(model: id) ?? true else { throw OpenAIError.modelNotFound(id) }
            return Self.json(try OpenAIJSON.encode(Model(id: id, created: 0, ownedBy: "continuum")))
        }
        router.post("/v1/chat/completions") { request, context in
            let bytes = try await collectBody(request)
            let body = try ChatCompletionRequest.decode(from: Data(bytes.readableBytesView))
            return try await generate(body, raw: bytes, context: context)
        }
        router.post("/v1/completions") { request, context in
            let bytes = try await collectBody(request)
            let body = try CompletionRequest.decode(from: Data(bytes.readableBytesView))
            if cascades[body.model] != nil, context.key?.allows(model: body.model) ?? true {
                throw OpenAIError.invalidValue(param: "model", "'\(body.model)' is a tier cascade, which answers chat completions only (POST /v1/chat/completions)")
            }
            return try await generate(body, raw: bytes, context: context)
        }
        router.post("/v1/embeddings") { request, context in try await EmbeddingsHandler(gateway: self).handle(request, context: context) }
        addMessagesRoutes(to: router)
        addResponsesRoutes(to: router)
        addTokenizeRoutes(to: router)
        addDashboardRoutes(to: router)
        let openAPI = OpenAPIDocument.json(chatModels: (Array(groups.keys) + cascades.keys).sorted(), completionModels: groups.keys.sorted(),
                                           embeddingModels: embeddingModels.keys.sorted(),
                                           tokenizerModels: groups.filter { $0.value.tokenizer != nil }.keys.sorted(),
                                           vocabularySize: groups.values.compactMap { $0.tokenizer?.vocabularySize }.min())
        router.get("/openapi.json") { _, _ in Self.json(openAPI) }
        let store = sharedStore
        router.get("/metrics") { _, _ in
            var h = HTTPFields()
            h[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: metrics.render() + Self.sharedStoreMetrics(store))))
        }
        let locals = localBackends
        router.get("/v1/kv-events") { request, _ in
            let name = request.uri.queryParameters.get("backend")
            guard let local = name.map({ n in locals.first { $0.name == n } }) ?? locals.first else {
                throw OpenAIError(status: 404, message: name.map { "no local backend named '\($0)'" } ?? "this server has no local engine",
                                  type: "invalid_request_error")
            }
            return KVEventsHandler(engine: local.engine).response()
        }
        let shutdown = EngineShutdownService(engines: locals.map(\.engine), remotes: remoteBackends, ledger: ledger,
                                             grace: configuration.shutdownGrace)
        let health = HealthChecker(backends: remoteBackends, interval: configuration.healthCheckInterval, timeout: .seconds(2))
        let kvEvents = KVEventSubscriptions(groups: Array(groups.values))
        return Application(
            router: router,
            server: .continuum(limits: configuration.serverLimits),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "continuum"),
            services: [shutdown, health, kvEvents] + sharedStoreServices(),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
    }

    // MARK: Shared pieces of the handlers

    /// Reads the body up to the limit (413 beyond).
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: configuration.bodyLimit)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw OpenAIError.bodyTooLarge(limitBytes: configuration.bodyLimit)
        } catch is NIOTooManyBytesError {
            throw OpenAIError.bodyTooLarge(limitBytes: configuration.bodyLimit)
        } catch {
            // Bad chunked framing, a body shorter than its Content-Length: the client's fault.
            throw OpenAIError(status: 400, message: "The request body could not be read: \(error)", type: "invalid_request_error")
        }
    }


    static func json(_ data: Data, status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields()) -> Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ text: String) -> Response { json(Data(text.utf8)) }

    /// OpenAI finish reasons for the engine's.
    static func finishReason(_ r: FinishReason) -> OpenAIFinishReason {
        switch r {
        case .stop, .cancelled: .stop
        case .length: .length
        }
    }
}

extension HTTPField.Name {
    static let continuumTier = Self("x-continuum-tier")!
    static let continuumBackend = Self("x-continuum-backend")!
    static let continuumRoute = Self("x-continuum-route")!
    /// The id of the request's ledger row (a proxied answer keeps its upstream's own id).
    static let requestID = Self("x-request-id")!
}
