import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import Foundation
import Hummingbird
import HTTPTypes

/// `POST /v1/embeddings` in OpenAI's shape, answered by a sentence-embedding engine in this
/// process (the device tier): `input` a string or an array of strings, `encoding_format`
/// float or base64, usage in tokens, one ledger row per request.
struct EmbeddingsHandler {
    let gateway: Gateway

    /// Most UTF-8 bytes of text in one request (the body limit bounds it too).
    static let maxTotalBytes = 2 << 20
    /// Most tokens summed over a request's inputs after truncation (OpenAI's per-request limit):
    /// 2048 inputs of 256 tokens would keep the CPU busy for minutes.
    static let maxTotalTokens = 300_000

    func handle(_ request: Request, context: GatewayContext) async throws -> Response {
        let bytes = try await gateway.collectBody(request)
        let body = try EmbeddingRequest.decode(from: Data(bytes.readableBytesView))
        let key = context.key
        guard let engine = gateway.embeddingModels[body.model], key?.allows(model: body.model) ?? true else {
            if gateway.groups[body.model] != nil, key?.allows(model: body.model) ?? true {
                throw OpenAIError.invalidValue(param: "model", "'\(body.model)' is a text-generation model; embedding models here: \(gateway.embeddingModels.keys.sorted().joined(separator: ", "))")
            }
            throw OpenAIError.modelNotFound(body.model)
        }
        let texts: [String]
        switch body.input {
        case .texts(let t): texts = t
        case .tokens:
            throw OpenAIError.unsupportedValue(param: "input", "token-id arrays are not supported by '\(body.model)' (its tokenizer is not the one the ids came from); send the text as a string or an array of strings")
        }
        if let d = body.dimensions, d != engine.dimension {
            throw OpenAIError.unsupportedValue(param: "dimensions", "'\(body.model)' gives \(engine.dimension)-dimensional vectors and cannot shorten them; omit dimensions or send \(engine.dimension)")
        }
        let totalBytes = texts.reduce(0) { $0 + $1.utf8.count }
        guard totalBytes <= Self.maxTotalBytes else {
            throw OpenAIError.invalidValue(param: "input", "at most \(Self.maxTotalBytes) bytes of text per request, got \(totalBytes)")
        }
        // The engine is in process, on the device tier: the same route decision as for
        // generation, with placeholders ruled out (they would change the vectors).
        let privacy = gateway.configuration.privacy
        let found = privacy.enabled ? texts.lazy.map(privacy.kinds(in:)).first(where: { !$0.isEmpty }) : nil
        let facts = RouteFacts(
            model: body.model, served: [body.model: .init(backends: [.init(name: Self.backendName, tier: .device, local: true)])],
            key: key.map(Gateway.scope), personalData: found.map { .found($0.map(\.rawValue)) } ?? .none,
            privacy: .init(tiers: privacy.tiers, redact: false))
        let plan: RoutePlan
        switch RoutePlanner.decide(facts) {
        case .route(let p): plan = p
        case .refuse(let r): throw OpenAIError(refusal: r)
        }
        let counts = texts.map(engine.tokenCount)
        let tokens = counts.reduce(0, +)
        guard tokens <= Self.maxTotalTokens else {
            throw OpenAIError.invalidValue(param: "input", "at most \(Self.maxTotalTokens) tokens per request (summed over inputs, each truncated to \(engine.maxTokens)), got \(tokens)")
        }
        var reservation: BudgetAccounts.Reservation?
        if let key, let ledger = gateway.ledger {
            reservation = try await gateway.budgets.reserve(key: key, prompt: max(0, tokens - 1), maxTokens: 1, ledger: ledger)?.0
        }
        let reasons = plan.steps[0].targets[0].reasons + [RouteReason.onlyBackend(model: body.model, narrowed: false)]
        let log = RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, limiter: gateway.limiter, requestID: context.requestID,
                             keyID: key?.id, model: body.model, started: context.arrived, reservation: reservation, user: body.user,
                             personalData: plan.personalData)
        log.update {
            $0.tier = Tier.device.rawValue
            $0.backend = Self.backendName
            $0.policy = "only"
            $0.routeReason = reasons.text
            $0.reasonCode = reasons.primaryCode
        }
        var headers = HTTPFields()
        headers[.continuumTier] = Tier.device.rawValue
        headers[.continuumBackend] = Self.backendName
        headers[.continuumRoute] = reasons.text
        headers[.continuumRouteCode] = reasons.codes
        headers[.requestID] = context.requestID
        let usage = TokenCounts(prompt: tokens, completion: 0, cached: 0)
        do {
            // CPU-bound: off the event loops, so other requests keep flowing meanwhile
            let vectors = try await Gateway.offEventLoop { Result { try engine.embed(texts) } }.get()
            let response = EmbeddingResponse(model: body.model, vectors: vectors, format: body.encodingFormat, promptTokens: tokens)
            let data = try OpenAIJSON.encode(response)
            log.finish(counts: usage, status: .ok, httpStatus: 200)
            return Gateway.json(data, headers: headers)
        } catch {
            let e = error as? OpenAIError ?? .serverError("embedding failed: \(error)")
            log.finish(counts: nil, status: .error, httpStatus: e.status, error: e.message)
            throw RoutedError(error: e, headers: headers)
        }
    }

    /// The name embeddings answer under in headers, the ledger and metrics.
    static let backendName = "embeddings"
}
