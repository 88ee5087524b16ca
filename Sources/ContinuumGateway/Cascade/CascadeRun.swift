import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// One chat request answered by a ``Cascade``: steps narrowed by the key's tiers and by
/// personal data, the router's choice before generating, the confidence check after, then
/// the answering step. Notes on each decision accumulate into the route reason.
struct CascadeRun {
    let gateway: Gateway
    let cascade: Cascade
    let handler: ChatCompletionsHandler
    let body: ChatCompletionRequest
    let bytes: ByteBuffer
    let key: KeyRecord?
    let meta: ResponseMetadata
    /// When the request arrived: every step's ledger times count from here.
    let started = ContinuousClock.now

    func answer() async throws -> Response {
        let text = body.messages.map { $0.content?.text ?? "" }.joined(separator: "\n")
        let keyTiers = key?.tiers
        var steps = cascade.steps.filter { serves($0, in: keyTiers) }
        var tiers = keyTiers  // where a judged step may run
        guard !steps.isEmpty else {
            throw OpenAIError.permissionDenied("this key may not use the tiers of any step of '\(cascade.name)' (\(cascade.steps.joined(separator: " → ")))")
        }
        var notes = ["cascade '\(cascade.name)'"]
        var headers = HTTPFields()
        let privacy = gateway.configuration.privacy
        let personal = privacy.kinds(in: text)
        if !personal.isEmpty, privacy.mode == .refuse {
            let allowed = privacy.allowedTiers(key: keyTiers)
            let kept = steps.filter { serves($0, in: allowed) }
            let names = personal.map(\.rawValue).joined(separator: ", ")
            guard !kept.isEmpty else {
                throw privacy.refusal(kinds: names, allowed: allowed, instead: "no step of '\(cascade.name)' is served there")
            }
            tiers = allowed
            if kept.count < steps.count, kept.count > 1 { notes.append("personal data (\(names)) keeps it to \(kept.joined(separator: " → "))") }
            steps = kept
        }
        var start = 0
        headers[.continuumEscalated] = "no"
        if let before = cascade.before, steps.count > 1, steps[0] == cascade.steps[0] {
            do {
                let score = try before.score(text)
                headers[.continuumRouterScore] = Self.format(score)
                if score >= before.threshold {
                    start = 1
                    headers[.continuumEscalated] = "before"
                    notes.append("\(before.label) score \(Self.format(score)) ≥ \(Self.format(before.threshold)): skip \(steps[0])")
                } else {
                    notes.append("\(before.label) score \(Self.format(score)) < \(Self.format(before.threshold))")
                }
            } catch {
                notes.append("\(before.label) failed (\(error)); no choice before generating")
            }
        }
        for i in start..<steps.count {
            let step = steps[i]
            if i < steps.count - 1, let after = cascade.after {
                switch try await checked(step, index: i, tiers: tiers, after: after, notes: notes, headers: headers) {
                case .kept(let response): return response
                case .escalated(let note):
                    notes.append(note)
                    headers[.continuumEscalated] = "after"
                case .unavailable(let note):
                    notes.append(note)
                }
                continue
            }
            return try await final(step, notes: notes, headers: headers)
        }
        throw OpenAIError.backendUnavailable("no step of '\(cascade.name)' can take the request now", retryAfterSeconds: 5)
    }

    private enum Checked {
        case kept(Response)
        case escalated(String)
        case unavailable(String)
    }

    /// Generates on a local step, holds back its first tokens and judges them.
    private func checked(_ step: String, index: Int, tiers: Set<Tier>?, after: Cascade.AfterCheck, notes: [String],
                         headers: HTTPFields) async throws -> Checked {
        let group = try gateway.group(for: step)
        guard let pick = group.pick(tiers: tiers), case .local(let backend) = pick.backend else {
            return .unavailable("\(step): no local backend can take it")
        }
        let route = ReplicaGroup.Pick(backend: pick.backend, reason: (notes + [pick.reason]).joined(separator: "; "), ticket: pick.ticket)
        var log = RequestLog(ledger: gateway.ledger, metrics: gateway.metrics, limiter: gateway.limiter, requestID: meta.id,
                             keyID: key?.id, model: step, route: route, started: started)
        let plan: GenerationPlan
        let cursor: UpdateCursor
        var confidence = AnswerConfidence()
        do {
            plan = try ChatCompletionsHandler.plan(body, backend: backend)
            cursor = UpdateCursor(try backend.submit(plan))
            reading: while confidence.tokens < after.bufferTokens {
                switch try await cursor.read() {
                case .token(let t)?:
                    confidence.add(t.token.logprob)
                case .finished?, nil: break reading
                }
            }
        } catch {
            let e = error as? OpenAIError ?? .serverError("generation failed: \(error)")
            log.finish(counts: nil, status: .error, httpStatus: e.status, error: e.message)
            throw RoutedError(error: e, headers: headers)
        }
        let judged = "\(step) confidence \(Self.format(confidence.score)) over \(confidence.tokens) token\(confidence.tokens == 1 ? "" : "s")"
        if confidence.tokens > 0, confidence.score >= after.minConfidence {
            var h = headers
            h.append(contentsOf: Gateway.provenance(route))
            h[.continuumRoute] = route.reason + "; " + judged + " ≥ \(Self.format(after.minConfidence)): kept"
            log.record.routeReason = h[.continuumRoute]
            h[.continuumConfidence] = Self.format(confidence.score)
            h[.requestID] = meta.id
            return .kept(try await handler.respond(cursor.stream(), plan: plan, meta: meta, backend: backend, log: log, headers: h))
        }
        let why = confidence.tokens == 0 ? "\(step) gave an empty answer: escalated" : judged + " < \(Self.format(after.minConfidence)): escalated"
        // This attempt gets a row of its own; the request's id goes to the step that answers.
        log.record.requestID = "\(meta.id).\(index + 1)"
        log.record.routeReason = route.reason + "; " + why
        log.finish(counts: TokenCounts(prompt: plan.prompt.count, completion: confidence.tokens, cached: 0), status: .escalated, httpStatus: 200,
                   error: why)
        return .escalated(why)
    }

    /// The answering step: routed like any served model, with the cascade's notes.
    private func final(_ step: String, notes: [String], headers: HTTPFields) async throws -> Response {
        var stepBody = body
        stepBody.model = step
        var stepBytes = bytes
        if let renamed = UpstreamRelay.renamingModel(in: bytes, to: step) { stepBytes = renamed }
        do {
            var response = try await handler.dispatch(stepBody, bytes: stepBytes, key: key, meta: meta, model: step,
                                                      note: notes.joined(separator: "; ") + "; ", started: started)
            response.headers.append(contentsOf: headers)
            return response
        } catch let e as RoutedError {
            var h = e.headers
            h.append(contentsOf: headers)
            throw RoutedError(error: e.error, headers: h)
        }
    }

    /// Whether `step`'s replica group has a backend in `tiers` (nil: any).
    private func serves(_ step: String, in tiers: Set<Tier>?) -> Bool {
        guard let g = gateway.groups[step] else { return false }
        return g.backends.contains { tiers?.contains($0.tier) ?? true }
    }

    static func format(_ x: Double) -> String { String(format: "%.3f", x) }
}

extension HTTPField.Name {
    /// `before`, `after` or `no`: whether (and when) a cascade sent the request past its first step.
    static let continuumEscalated = Self("x-continuum-escalated")!
    /// The before-generation router's score of the prompt.
    static let continuumRouterScore = Self("x-continuum-router-score")!
    /// The checked step's answer confidence (``AnswerConfidence``).
    static let continuumConfidence = Self("x-continuum-confidence")!
}
