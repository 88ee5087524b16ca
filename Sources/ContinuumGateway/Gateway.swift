public import ContinuumEngine
public import ContinuumLedger
import ContinuumOpenAI
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
    /// Every distinct backend, in the order first named.
    let backends: [Backend]
    let limiter = RateLimiter()

    public init(configuration: GatewayConfiguration, groups: [ReplicaGroup], cascades: [Cascade] = [], ledger: Ledger?) {
        self.configuration = configuration
        self.cascades = Dictionary(cascades.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.ledger = ledger
        self.groups = Dictionary(groups.map { ($0.model, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        backends = groups.flatMap(\.backends).filter { seen.insert($0.name).inserted }
        metrics = GatewayMetrics(locals: backends.compactMap { if case .local(let l) = $0 { l } else { nil } })
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
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        let groups = self.groups
        let cascades = self.cascades
        router.get("/health") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/ready") { _, _ in
            let down = groups.values.filter { !$0.isAvailable }.map(\.model).sorted()
            guard down.isEmpty else {
                throw OpenAIError.backendUnavailable("no healthy backend for: \(down.joined(separator: ", "))", retryAfterSeconds: 5)
            }
            return Self.json(#"{"status":"ready"}"#)
        }
        let models = try? OpenAIJSON.encode(ModelList(data: ((Array(groups.keys) + cascades.keys).sorted() + embeddingModels.keys.sorted()).map { Model(id: $0, created: 0, ownedBy: "continuum") }))
        router.get("/v1/models") { _, _ in Self.json(models ?? Data()) }
        router.post("/v1/chat/completions") { request, context in
            try await ChatCompletionsHandler(gateway: self).handle(request, context: context)
        }
        router.post("/v1/completions") { request, context in
            try await CompletionsHandler(gateway: self).handle(request, context: context)
        }
        router.post("/v1/embeddings") { request, context in try await EmbeddingsHandler(gateway: self).handle(request, context: context) }
        let openAPI = OpenAPIDocument.json(modelName: groups.keys.sorted().joined(separator: ", "))
        router.get("/openapi.json") { _, _ in Self.json(openAPI) }
        router.get("/metrics") { _, _ in
            var h = HTTPFields()
            h[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
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
            services: [shutdown, health, kvEvents],
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
        }
    }

    /// Checks the API key when any key exists; returns the key (nil when keys are off).
    /// The key's tiers are checked when routing.
    func authorize(_ request: Request, model: String) async throws -> KeyRecord? {
        guard let ledger, try await ledger.hasAnyKeys() else { return nil }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError.missingAPIKey()
        }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let key = try await ledger.authenticate(secret) else { throw OpenAIError.invalidAPIKey() }
        guard key.allows(model: model) else { throw OpenAIError.permissionDenied("this key may not use model '\(model)'") }
        if let remaining = key.remainingBudget, remaining <= 0 {
            throw OpenAIError.insufficientQuota("This key has used its token budget of \(key.tokenBudget ?? 0) tokens.")
        }
        if key.requestsPerMinute != nil || key.tokensPerMinute != nil,
           let wait = limiter.admit(key: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute,
                                    now: Self.now()) {
            throw OpenAIError.rateLimited(retryAfterSeconds: max(1, Int(min(wait, 3600).rounded(.up))),
                                          "Rate limit reached for this key (\(key.requestsPerMinute.map { "\($0) requests" } ?? "") \(key.tokensPerMinute.map { "\($0) tokens" } ?? "") per minute)")
        }
        return key
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// The replica group serving `model`, or 404 in OpenAI's shape.
    func group(for model: String) throws -> ReplicaGroup {
        guard let g = groups[model] else { throw OpenAIError.modelNotFound(model) }
        return g
    }

    /// `x-continuum-tier`, `-backend` and `-route` of a routed request.
    static func provenance(_ pick: ReplicaGroup.Pick) -> HTTPFields {
        var h = HTTPFields()
        h[.continuumTier] = pick.backend.tier.rawValue
        h[.continuumBackend] = pick.backend.name
        h[.continuumRoute] = pick.reason
        return h
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

/// Turns any error thrown by a handler into OpenAI's error shape with the right status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as OpenAIError {
            return Self.response(e)
        } catch let e as RoutedError {
            var response = Self.response(e.error)
            response.headers.append(contentsOf: e.headers)
            return response
        } catch let e as HTTPError {
            if e.status == .notFound {
                return Self.response(OpenAIError(status: 404, message: "Unknown path \(request.uri.path)", type: "invalid_request_error"))
            }
            if e.status == .contentTooLarge { return Self.response(OpenAIError.bodyTooLarge(limitBytes: 0)) }
            return Self.response(OpenAIError(status: Int(e.status.code), message: e.body ?? "\(e.status)", type: "invalid_request_error"))
        } catch let e as LedgerError {
            return Self.response(.serverError("ledger: \(e)"))
        } catch {
            return Self.response(.serverError("\(error)"))
        }
    }

    static func response(_ e: OpenAIError) -> Response {
        var h = HTTPFields()
        if let r = e.retryAfterSeconds { h[.retryAfter] = String(r) }
        return Gateway.json(e.body, status: HTTPResponse.Status(code: e.status), headers: h)
    }
}

extension HTTPField.Name {
    static let continuumTier = Self("x-continuum-tier")!
    static let continuumBackend = Self("x-continuum-backend")!
    static let continuumRoute = Self("x-continuum-route")!
    /// The id of the request's ledger row (a proxied answer keeps its upstream's own id).
    static let requestID = Self("x-request-id")!
}
