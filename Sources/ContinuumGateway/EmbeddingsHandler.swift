import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
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

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let bytes = try await gateway.collectBody(request)
        let body = try EmbeddingRequest.decode(from: Data(bytes.readableBytesView))
        guard let engine = gateway.embeddingModels[body.model] else {
            if gateway.groups[body.model] != nil {
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
        let key = try await gateway.authorize(request, model: body.model)
        // the engine is in process: the device tier, which the key and the privacy policy must allow
        if let key, !key.allows(tier: Tier.device.rawValue) {
            throw OpenAIError.permissionDenied("this key may not use the device tier, where embedding model '\(body.model)' runs")
        }
        if !gateway.configuration.privacy.tiers.contains(.device),
           let found = texts.lazy.map(gateway.configuration.privacy.kinds(in:)).first(where: { !$0.isEmpty }) {
            throw OpenAIError.permissionDenied("This request contains personal data (\(found.map(\.rawValue).joined(separator: ", "))) and the privacy policy keeps it off the device tier, where embedding model '\(body.model)' runs. Nothing was sent.")
        }
        let counts = texts.map(engine.tokenCount)
        let tokens = counts.reduce(0, +)
        guard tokens <= Self.maxTotalTokens else {
            throw OpenAIError.invalidValue(param: "input", "at most \(Self.maxTotalTokens) tokens per request (summed over inputs, each truncated to \(engine.maxTokens)), got \(tokens)")
        }

        var random = SystemRandomNumberGenerator()
        let requestID = ResponseID.make(prefix: "embd-", using: &random)
        var log = RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, limiter: gateway.limiter, requestID: requestID,
                             keyID: key?.id, model: body.model, route: nil, started: .now)
        log.record.tier = Tier.device.rawValue
        log.record.backend = "embeddings"
        log.record.routeReason = "embedding model in process"
        var headers = HTTPFields()
        headers[.continuumTier] = Tier.device.rawValue
        headers[.continuumBackend] = "embeddings"
        headers[.continuumRoute] = "embedding model in process"
        headers[.requestID] = requestID
        let usage = TokenCounts(prompt: tokens, completion: 0, cached: 0)
        do {
            // CPU-bound: off the event loops, so other requests keep flowing meanwhile
            let vectors = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[[Float]], any Error>) in
                DispatchQueue.global(qos: .userInitiated).async { c.resume(with: Result { try engine.embed(texts) }) }
            }
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
}
