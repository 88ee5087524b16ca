import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import Foundation
import Hummingbird
import HTTPTypes

extension Gateway {
    /// Answers a validated request from `model`'s replica group: picks a backend (round-robin
    /// over healthy ones in the key's tiers), and on a failure before the first byte retries,
    /// with backoff, preferring another replica. `local` answers from an engine in process;
    /// remote backends get `proxied`. Every outcome has a ledger row and provenance headers.
    /// `note` goes before the route reason (a cascade's decisions so far); `started` is when
    /// the client's request arrived (a cascade's last step starts later).
    func dispatch(model: String, key: KeyRecord?, requestID: String, note: String = "", started: ContinuousClock.Instant = .now,
                  proxied: ProxiedRequest,
                  prompt: (PromptHasher) -> RoutingRequest, text: (ReplicaGroup) -> String?,
                  redact: ((inout PIIRedactor, PrivacyPolicy) -> ProxiedRequest?)? = nil,
                  local: (LocalBackend, RequestLog, HTTPFields) async throws -> Response) async throws -> Response {
        let group = try group(for: model)
        let routing = group.routesByPrompt ? group.hasher.map(prompt) : nil
        var tiers = key?.tiers
        let served = Set(group.backends.map(\.tier.rawValue)).sorted().joined(separator: ", ")
        if let tiers, !group.backends.contains(where: { tiers.contains($0.tier) }) {
            throw OpenAIError.permissionDenied("this key may not use the tiers that serve model '\(model)' (\(served))")
        }
        let privacy = configuration.privacy
        // Text the gateway cannot read (token ids without the model's tokenizer) is treated
        // as personal data: fail-closed.
        let readable = text(group)
        let personal: [String] = readable.map { privacy.kinds(in: $0).map(\.rawValue) }
            ?? (privacy.enabled ? ["token ids that cannot be read without the model's tokenizer (models.\(model).tokenizer)"] : [])
        var privacyNote = note
        var proxied = proxied
        var restoration: AnswerRestoration?
        if !personal.isEmpty {
            let allowed = privacy.allowedTiers(key: tiers)
            let names = personal.joined(separator: ", ")
            if group.backends.contains(where: { allowed.contains($0.tier) }) {
                tiers = allowed
                privacyNote = note + "personal data (\(names)) kept to \(allowed.sorted().map(\.rawValue).joined(separator: ", ")); "
            } else {
                var redactor = PIIRedactor()
                guard privacy.mode == .redact, readable != nil, let redacted = redact?(&redactor, privacy) else {
                    throw privacy.refusal(kinds: names, allowed: allowed, instead: "model '\(model)' is served on \(served)")
                }
                proxied = redacted
                restoration = AnswerRestoration(redactor: redactor)
                privacyNote = note + "personal data (\(names)) sent as placeholders and restored in the answer; "
            }
        }
        var avoiding = Set<String>()
        var log: RequestLog?
        var lastError: OpenAIError?
        var lastHeaders = HTTPFields()
        var backoff = configuration.retryBackoff
        for attempt in 0...configuration.retries {
            guard var pick = group.pick(tiers: tiers, avoiding: avoiding, request: routing) else { break }
            if !privacyNote.isEmpty { pick = .init(backend: pick.backend, reason: privacyNote + pick.reason, ticket: pick.ticket) }
            if attempt > 0 {
                try await Task.sleep(for: backoff * Double.random(in: 0.5...1.5))
                backoff *= 2
                pick = .init(backend: pick.backend, reason: "\(pick.reason); attempt \(attempt + 1) after: \(lastError?.message ?? "failure")",
                             ticket: pick.ticket)
            }
            if log == nil {
                log = RequestLog(ledger: ledger, metrics: metrics, limiter: limiter, requestID: requestID, keyID: key?.id,
                                 model: model, route: pick, started: started)
            } else {
                log?.reroute(pick)
            }
            var headers = Self.provenance(pick)
            headers[.requestID] = requestID
            lastHeaders = headers
            switch pick.backend {
            case .local(let backend):
                do {
                    return try await local(backend, log!, headers)
                } catch let e as OpenAIError {
                    log?.finish(counts: nil, status: .error, httpStatus: e.status, error: e.message)
                    throw RoutedError(error: e, headers: headers)
                }
            case .openai(let backend):
                switch await UpstreamRelay(backend: backend).attempt(proxied, model: model, log: log!, headers: headers,
                                                                     restoration: restoration) {
                case .answered(let response): return response
                case .failed(let e):
                    lastError = e
                    avoiding.insert(backend.name)
                }
            }
        }
        let error = lastError ?? .backendUnavailable("no healthy backend can take model '\(model)' now", retryAfterSeconds: 5)
        if log == nil {
            log = RequestLog(ledger: ledger, metrics: metrics, limiter: limiter, requestID: requestID, keyID: key?.id,
                             model: model, route: nil, started: started)
        }
        log?.finish(counts: nil, status: .backendFailed, httpStatus: error.status, error: error.message)
        lastHeaders[.requestID] = requestID
        throw RoutedError(error: error, headers: lastHeaders)
    }
}

/// An error after routing: sent with the provenance headers of the backend that failed.
struct RoutedError: Error {
    let error: OpenAIError
    let headers: HTTPFields
}
