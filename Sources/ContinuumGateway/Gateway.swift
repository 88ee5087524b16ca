public import ContinuumEngine
public import ContinuumLedger
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation
public import Hummingbird
import HTTPTypes
import NIOCore

/// The OpenAI-compatible HTTP server in front of the local batch engine: routes, auth by
/// API key, one ledger row per request, provenance headers, SSE streaming.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let engine: BatchEngine
    public let ledger: Ledger?
    public let metrics: GatewayMetrics
    let limiter = RateLimiter()

    public init(configuration: GatewayConfiguration, engine: BatchEngine, ledger: Ledger?) {
        self.configuration = configuration
        self.engine = engine
        self.ledger = ledger
        metrics = GatewayMetrics(engine: engine, model: configuration.modelName)
    }

    /// The Hummingbird application; run it with `runService()` (graceful on SIGTERM/SIGINT).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.get("/health") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/ready") { _, _ in Self.json(#"{"status":"ready"}"#) }
        router.get("/v1/models") { _, _ in
            let list = ModelList(data: [Model(id: configuration.modelName, created: 0, ownedBy: "continuum")])
            return try Self.json(OpenAIJSON.encode(list))
        }
        router.post("/v1/chat/completions") { request, context in
            try await ChatCompletionsHandler(gateway: self).handle(request, context: context)
        }
        router.post("/v1/completions") { request, context in
            try await CompletionsHandler(gateway: self).handle(request, context: context)
        }
        let openAPI = OpenAPIDocument.json(modelName: configuration.modelName)
        router.get("/openapi.json") { _, _ in Self.json(openAPI) }
        router.get("/metrics") { _, _ in
            var h = HTTPFields()
            h[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("/v1/kv-events") { _, _ in KVEventsHandler(engine: engine).response() }
        let shutdownEngine = EngineShutdownService(engine: engine, ledger: ledger, grace: configuration.shutdownGrace)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "continuum"),
            services: [shutdownEngine],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
    }

    // MARK: Shared pieces of the handlers

    /// Reads the body up to the limit (413 beyond) and decodes and validates it.
    func decode<R: OpenAIRequest>(_: R.Type, from request: Request) async throws -> R {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.bodyLimit)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw OpenAIError.bodyTooLarge(limitBytes: configuration.bodyLimit)
        } catch is NIOTooManyBytesError {
            throw OpenAIError.bodyTooLarge(limitBytes: configuration.bodyLimit)
        }
        return try R.decode(from: Data(buffer.readableBytesView))
    }

    /// Checks the API key when any key exists; returns the key's id (nil when keys are off).
    func authorize(_ request: Request, model: String) async throws -> Int64? {
        guard let ledger, try await ledger.hasAnyKeys() else { return nil }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError.missingAPIKey()
        }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let key = try await ledger.authenticate(secret) else { throw OpenAIError.invalidAPIKey() }
        guard key.allows(model: model) else { throw OpenAIError.permissionDenied("this key may not use model '\(model)'") }
        guard key.allows(tier: "device") else { throw OpenAIError.permissionDenied("this key may not use the device tier") }
        if let remaining = key.remainingBudget, remaining <= 0 {
            throw OpenAIError.insufficientQuota("This key has used its token budget of \(key.tokenBudget ?? 0) tokens.")
        }
        if key.requestsPerMinute != nil || key.tokensPerMinute != nil,
           let wait = limiter.admit(key: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute,
                                    now: Self.now()) {
            throw OpenAIError.rateLimited(retryAfterSeconds: max(1, Int(min(wait, 3600).rounded(.up))),
                                          "Rate limit reached for this key (\(key.requestsPerMinute.map { "\($0) requests" } ?? "") \(key.tokensPerMinute.map { "\($0) tokens" } ?? "") per minute)")
        }
        return key.id
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    func checkModel(_ model: String) throws {
        guard model == configuration.modelName else { throw OpenAIError.modelNotFound(model) }
    }

    /// Submits to the engine, mapping its refusals to OpenAI errors.
    func submit(_ plan: GenerationPlan) throws -> AsyncThrowingStream<GenerationUpdate, any Error> {
        do {
            return try engine.submit(prompt: plan.prompt, parameters: plan.parameters)
        } catch let e as BatchEngineError {
            switch e.code {
            case .queueFull: throw OpenAIError.rateLimited(retryAfterSeconds: 1, "The server is busy: \(e.message)")
            case .promptTooLong, .tooLargeForCache:
                throw OpenAIError.contextLengthExceeded(contextLength: engine.contextLength, promptTokens: plan.prompt.count)
            case .emptyPrompt, .invalidToken: throw OpenAIError.invalidValue(param: "prompt", e.message)
            case .shuttingDown: throw OpenAIError.backendUnavailable("the server is shutting down", retryAfterSeconds: 5)
            }
        } catch let e as SamplingParametersError {
            throw OpenAIError.invalidValue(param: e.field.rawValue, e.message)
        }
    }

    static func provenance() -> HTTPFields {
        var h = HTTPFields()
        h[.continuumTier] = "device"
        h[.continuumBackend] = "local"
        h[.continuumRoute] = "single local backend"
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

    func logprobEntry(_ t: SampledToken) -> LogprobEntry {
        LogprobEntry(token: LogprobCandidate(bytes: engine.tokenizer.tokenBytes(t.id), logprob: Double(t.logprob)),
                     alternatives: t.top.map { LogprobCandidate(bytes: engine.tokenizer.tokenBytes($0.id), logprob: Double($0.logprob)) })
    }
}

/// Turns any error thrown by a handler into OpenAI's error shape with the right status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as OpenAIError {
            return Self.response(e)
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
}
