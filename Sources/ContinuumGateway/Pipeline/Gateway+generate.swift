import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import ContinuumTokenizers
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension Gateway {
    /// The one path of every generation request (chat and text completions, and each
    /// cascade step): gather the facts, let RoutePlanner decide, reserve the key's budget,
    /// then carry the decision out. Nothing here decides where a request may go.
    func generate<R: GenerationRequest>(_ body: R, raw: ByteBuffer, context: GatewayContext) async throws -> Response {
        let cascade = cascades[body.model]
        let facts = try await routeFacts(body, cascade: cascade, key: context.key)
        let plan: RoutePlan
        switch RoutePlanner.decide(facts) {
        case .route(let p): plan = p
        case .refuse(let r): throw OpenAIError(refusal: r)
        }
        var limit = body.maxTokens
        var reservation: BudgetAccounts.Reservation?
        if let key = context.key, let ledger,
           let (r, granted) = try await budgets.reserve(key: key, prompt: body.promptTokenBound, maxTokens: body.maxTokens, ledger: ledger) {
            reservation = r
            limit = granted
        }
        let meta = ResponseMetadata(id: context.requestID, created: Int(Date().timeIntervalSince1970), model: body.model)
        let request = Routed(body: body, raw: RawJSON(raw.readableBytesView), meta: meta, key: context.key, arrived: context.arrived,
                             limit: limit, reservation: reservation, plan: plan, passthrough: context.passthrough)
        if let cascade { return try await CascadeRun(gateway: self, cascade: cascade, request: request).answer() }
        return try await carryOut(request, step: plan.steps[0], reasons: plan.reasons)
    }

    /// What the route decision reads, for this request.
    func routeFacts<R: GenerationRequest>(_ body: R, cascade: Cascade?, key: KeyRecord?) async throws -> RouteFacts {
        let privacy = configuration.privacy
        var personal = RouteFacts.PersonalData.none
        if privacy.enabled {
            let first = cascade.map(\.steps[0]) ?? body.model
            // Text the gateway cannot read (token ids without the model's tokenizer) is
            // treated as personal data: fail-closed.
            if let text = body.scanText(tokenizer: groups[first]?.tokenizer) {
                let kinds = privacy.kinds(in: body.user.map { text + "\n" + $0 } ?? text)
                if !kinds.isEmpty { personal = .found(kinds.map(\.rawValue)) }
            } else {
                personal = .unreadable
            }
        }
        var router: RouteFacts.RouterScore?
        if let before = cascade?.before, let text = body.scanText(tokenizer: nil) {
            // A BERT forward pass: never on an event loop.
            let score = await Self.offEventLoop { Result { try before.score(text) } }
            router = RouteFacts.RouterScore(label: before.label, threshold: before.threshold,
                                            score: score.mapError { RouteFacts.RouterScore.Failure("\($0)") })
        }
        return RouteFacts(model: body.model, served: servedFacts, cascade: cascade?.steps, key: key.map(Self.scope),
                          personalData: personal, privacy: .init(tiers: privacy.tiers, redact: privacy.mode == .redact),
                          needs: Set(body.forwardOnly.map { RouteFacts.Capability($0) }), router: router)
    }

    static func scope(_ key: KeyRecord) -> RouteFacts.KeyScope {
        RouteFacts.KeyScope(tiers: key.tiers, models: key.allowedModels.map(Set.init))
    }

    /// Runs CPU-bound work on a global queue, so the event loops keep serving.
    static func offEventLoop<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global(qos: .userInitiated).async { c.resume(returning: work()) } }
    }

    /// Answers one step of a plan: its targets in order (the model, then its fallbacks), on
    /// each a replica the group's policy picks, retried with backoff on another replica
    /// after a failure before the first byte. The ledger row follows every move.
    func carryOut<R: GenerationRequest>(_ request: Routed<R>, step: RoutePlan.Step, reasons: [RouteReason],
                                        log existing: RequestLog? = nil) async throws -> Response {
        let log = existing ?? request.makeLog(self, model: step.model)
        var reasons = reasons
        var lastError: OpenAIError?
        var lastHeaders = HTTPFields()
        var cause = RouteReason.FallbackCause.failed
        var redaction: Redaction?
        for (t, target) in step.targets.enumerated() {
            guard let group = groups[target.model] else { continue }
            if t > 0 { reasons.append(.fallback(from: step.targets[t - 1].model, to: target.model, cause: cause)) }
            cause = .failed
            let routing: RoutingRequest?
            if group.routesByPrompt, let hasher = group.hasher {
                let body = request.body
                routing = await Self.offEventLoop { body.routingRequest(hasher) }
            } else {
                routing = nil
            }
            if target.redact, redaction == nil {
                redaction = Redaction(request.raw, privacy: configuration.privacy, paths: R.isRedactable)
                guard redaction != nil else { throw OpenAIError.serverError("the request could not be redacted") }
            }
            var avoiding = Set<String>()
            var backoff = configuration.retryBackoff
            attempts: for attempt in 0...configuration.retries {
                guard let pick = group.pick(named: target.backends, avoiding: avoiding, request: routing) else { break }
                var why = reasons + target.reasons + [pick.reason]
                if attempt > 0 {
                    try await Task.sleep(for: backoff * Double.random(in: 0.5...1.5))
                    backoff *= 2
                    why.append(.retry(attempt: attempt + 1, after: lastError?.message ?? "failure"))
                }
                log.route(pick, reasons: why)
                let headers = Self.provenance(pick.backend, reasons: why, requestID: request.meta.id)
                lastHeaders = headers
                switch pick.backend {
                case .local(let backend):
                    do {
                        let plan = try request.body.plan(for: backend, maxTokens: request.limit)
                        return try await request.body.respond(try backend.submit(plan), plan: plan, meta: request.meta, backend: backend,
                                                              log: log, headers: headers)
                    } catch let e as LocalBackend.Unavailable where t + 1 < step.targets.count {
                        cause = e.cause
                        lastError = e.error
                        break attempts
                    } catch {
                        let e = (error as? LocalBackend.Unavailable)?.error ?? error as? OpenAIError ?? .serverError("\(error)")
                        log.finish(counts: nil, status: .error, httpStatus: e.status, error: e.message)
                        throw RoutedError(error: e, headers: headers)
                    }
                case .openai(let backend) where backend.api != .openAI:
                    // A backend speaking another protocol answers only requests that came in it.
                    if target.redact {
                        // Redaction knows the chat body's text paths only: fail closed.
                        lastError = .permissionDenied("personal data would be redacted for backend '\(backend.name)', which gets the client's body unchanged")
                        avoiding.insert(backend.name)
                        continue
                    }
                    guard let passthrough = request.passthrough, passthrough.api == backend.api else {
                        lastError = .unsupportedValue(param: "model", "backend '\(backend.name)' speaks \(backend.api.rawValue)'s API, which answers only requests made in it (POST /v1/messages)")
                        avoiding.insert(backend.name)
                        continue
                    }
                    let forwarded = passthrough.forwarded(model: backend.upstreamModel ?? target.model, limit: request.limit)
                    switch await UpstreamRelay(backend: backend).attempt(forwarded, log: log, headers: headers,
                                                                         estimate: request.estimate(tokenizer: group.tokenizer)) {
                    case .answered(let response): throw Passthrough.Answered(response: response)
                    case .failed(let e):
                        lastError = e
                        avoiding.insert(backend.name)
                    }
                case .openai(let backend):
                    let forwarded = request.forwarded(model: backend.upstreamModel ?? target.model, redaction: redaction)
                    switch await UpstreamRelay(backend: backend).attempt(forwarded, log: log, headers: headers,
                                                                         restoration: redaction.map { AnswerRestoration(redactor: $0.redactor) },
                                                                         estimate: request.estimate(tokenizer: group.tokenizer)) {
                    case .answered(let response): return response
                    case .failed(let e):
                        lastError = e
                        avoiding.insert(backend.name)
                    }
                }
            }
        }
        let error = lastError ?? .backendUnavailable("no healthy backend can take model '\(step.model)' now", retryAfterSeconds: 5)
        log.finish(counts: nil, status: .backendFailed, httpStatus: error.status, error: error.message)
        var headers = lastHeaders
        headers[.requestID] = request.meta.id
        throw RoutedError(error: error, headers: headers)
    }

    /// `x-continuum-tier`, `-backend`, `-route` (readable) and `-route-code` of a routed request.
    static func provenance(_ backend: Backend, reasons: [RouteReason], requestID: String) -> HTTPFields {
        var h = HTTPFields()
        h[.continuumTier] = backend.tier.rawValue
        h[.continuumBackend] = backend.name
        h[.continuumRoute] = reasons.text
        h[.continuumRouteCode] = reasons.codes
        h[.requestID] = requestID
        return h
    }
}

/// A request after its route decision, with what every step of carrying it out shares.
struct Routed<R: GenerationRequest>: Sendable {
    let body: R
    /// The client's body, as it came.
    let raw: RawJSON
    let meta: ResponseMetadata
    let key: KeyRecord?
    let arrived: ContinuousClock.Instant
    /// Most tokens to generate: the request's, bounded by the key's budget.
    let limit: Int?
    let reservation: BudgetAccounts.Reservation?
    let plan: RoutePlan
    /// The client's body in its own protocol, when an adapter translated it (Passthrough).
    var passthrough: Passthrough? = nil

    /// The request's ledger row (with its budget reservation).
    func makeLog(_ gateway: Gateway, model: String, requestID: String? = nil, reserve: Bool = true) -> RequestLog {
        RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, limiter: gateway.limiter, requestID: requestID ?? meta.id,
                   keyID: key?.id, model: model, started: arrived, reservation: reserve ? reservation : nil, user: body.user,
                   personalData: plan.personalData)
    }

    /// The body for an upstream: the client's bytes, with the model it knows, placeholders
    /// for personal data, the budget's bound on tokens, and usage asked for on streams.
    func forwarded(model: String, redaction: Redaction?) -> ProxiedRequest {
        var json = redaction?.json ?? raw
        var edited = redaction != nil
        if body.model != model { json.setTopLevel("model", rawValue: String(decoding: RawJSON.encode(model), as: UTF8.self)); edited = true }
        if let limit, limit != body.maxTokens || body.maxTokens == nil {
            let field = json.topLevel("max_completion_tokens") != nil ? "max_completion_tokens" : "max_tokens"
            json.setTopLevel(field, rawValue: String(limit))
            edited = true
        }
        let askUsage = body.isStreaming && !body.includeUsage
        if askUsage {
            json.setTopLevel("stream_options", rawValue: #"{"include_usage":true}"#)
            edited = true
        }
        return ProxiedRequest(path: R.upstreamPath, body: edited ? ByteBuffer(bytes: json.bytes) : ByteBuffer(bytes: raw.bytes),
                              stream: body.isStreaming, stripUsage: askUsage)
    }

    /// Tokens of a stream whose upstream reported no usage: the prompt counted with the
    /// model's tokenizer where the gateway has one.
    func estimate(tokenizer: Tokenizer?) -> @Sendable () -> Int? {
        let body = self.body
        return { body.scanText(tokenizer: tokenizer).flatMap { text in tokenizer.map { $0.encode(text, parseSpecial: false).count } } }
    }
}

/// A request's personal data replaced by placeholders in its own JSON (one mapping across
/// every text value), and the redactor that restores the answer.
struct Redaction: Sendable {
    let json: RawJSON
    let redactor: PIIRedactor

    init?(_ raw: RawJSON, privacy: PrivacyPolicy, paths: ([RawJSON.Step]) -> Bool) {
        guard let strings = raw.strings(where: paths) else { return nil }
        var redactor = PIIRedactor()
        var edits: [(RawJSON.StringValue, String)] = []
        for s in strings {
            let r = redactor.redact(s.value, detector: privacy.detector, kinds: privacy.kinds)
            if r != s.value { edits.append((s, r)) }
        }
        var json = raw
        json.replace(edits)
        self.json = json
        self.redactor = redactor
    }
}

/// An error after routing: sent with the provenance headers of the backend that failed.
struct RoutedError: Error {
    let error: OpenAIError
    let headers: HTTPFields
}

extension OpenAIError {
    /// A route refusal in OpenAI's shape.
    init(refusal r: RouteRefusal) {
        switch r {
        case .modelNotFound(let m): self = .modelNotFound(m)
        case .keyTiers, .personalData: self = .permissionDenied(r.message)
        case .unsupported: self = .unsupportedValue(param: r.param ?? "", r.message)
        }
    }
}

extension HTTPField.Name {
    /// The route's reason codes (RouteReason.code), comma-separated.
    static let continuumRouteCode = Self("x-continuum-route-code")!
}
