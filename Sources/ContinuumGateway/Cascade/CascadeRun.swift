import ContinuumEngine
import ContinuumLedger
import ContinuumOpenAI
import ContinuumRouting
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Carries out a cascade's route plan (RoutePlanner chose its steps and the router's
/// escalation): each step but the last, when the cascade checks answers, generates on a
/// local engine, and its first tokens' confidence keeps the answer or escalates; the last
/// step is answered like any served model. Every decision goes into the route reasons.
struct CascadeRun<R: GenerationRequest> {
    let gateway: Gateway
    let cascade: Cascade
    let request: Routed<R>

    func answer() async throws -> Response {
        var reasons = request.plan.reasons
        var headers = HTTPFields()
        headers[.continuumEscalated] = reasons.lazy.compactMap(\.escalation).last ?? "no"
        for case .routerScore(_, let score, _, _) in reasons { headers[.continuumRouterScore] = Self.format(score) }
        let steps = request.plan.steps
        for (i, step) in steps.enumerated() {
            if i < steps.count - 1, let after = cascade.after {
                switch try await checked(step, index: i, after: after, reasons: reasons, headers: headers) {
                case .kept(let response): return response
                case .escalated(let reason):
                    reasons.append(reason)
                    headers[.continuumEscalated] = "after"
                case .unavailable(let reason):
                    reasons.append(reason)
                }
                continue
            }
            let log = request.makeLog(gateway, model: step.model)
            log.escalation(headers[.continuumEscalated] ?? "no")
            do {
                var response = try await gateway.carryOut(request, step: step, reasons: reasons, log: log)
                response.headers.append(contentsOf: headers)
                return response
            } catch let e as RoutedError {
                var h = e.headers
                h.append(contentsOf: headers)
                throw RoutedError(error: e.error, headers: h)
            }
        }
        throw OpenAIError.backendUnavailable("no step of '\(cascade.name)' can take the request now", retryAfterSeconds: 5)
    }

    private enum Checked {
        case kept(Response)
        case escalated(RouteReason)
        case unavailable(RouteReason)
    }

    /// Generates on a local engine of the step, holds back its first tokens and judges them.
    private func checked(_ step: RoutePlan.Step, index: Int, after: Cascade.AfterCheck, reasons: [RouteReason],
                         headers: HTTPFields) async throws -> Checked {
        guard let target = step.targets.first, !target.redact, let group = gateway.groups[target.model] else {
            return .unavailable(.stepUnavailable(step: step.model))
        }
        let locals = target.backends.filter { name in group.backends.contains { $0.name == name && { if case .local = $0 { true } else { false } }($0) } }
        guard let pick = group.pick(named: locals), case .local(let backend) = pick.backend else {
            return .unavailable(.stepUnavailable(step: step.model))
        }
        // The attempt has a row of its own until it is kept; the request's id goes to the step that answers.
        let log = request.makeLog(gateway, model: step.model)
        var why = reasons + target.reasons + [pick.reason]
        log.route(pick, reasons: why)
        let plan: GenerationPlan
        let cursor: UpdateCursor
        var confidence = AnswerConfidence()
        do {
            plan = try request.body.plan(for: backend, maxTokens: request.limit)
            cursor = UpdateCursor(try backend.submit(plan))
            reading: while confidence.tokens < after.bufferTokens {
                switch try await cursor.read() {
                case .token(let t)?:
                    confidence.add(t.token.logprob)
                case .finished?, nil: break reading
                }
            }
        } catch {
            let e = (error as? LocalBackend.Unavailable)?.error ?? error as? OpenAIError ?? .serverError("generation failed: \(error)")
            log.finish(counts: nil, status: .error, httpStatus: e.status, error: e.message)
            throw RoutedError(error: e, headers: headers)
        }
        let kept = confidence.tokens > 0 && confidence.score >= after.minConfidence
        let judged = RouteReason.confidence(step: step.model, score: confidence.score, tokens: confidence.tokens,
                                            minimum: after.minConfidence, kept: kept)
        why.append(judged)
        if kept {
            log.route(pick, reasons: why)
            log.escalation(headers[.continuumEscalated] ?? "no")
            var h = headers
            h.append(contentsOf: Gateway.provenance(pick.backend, reasons: why, requestID: request.meta.id))
            h[.continuumConfidence] = Self.format(confidence.score)
            return .kept(try await request.body.respond(cursor.stream(), plan: plan, meta: request.meta, backend: backend, log: log, headers: h))
        }
        log.update {
            $0.requestID = "\(request.meta.id).\(index + 1)"
            $0.routeReason = why.text
            $0.reasonCode = judged.code
            $0.escalation = "after"
        }
        // Not the request's answer: its reservation stays with the step that answers.
        log.dropReservation()
        log.finish(counts: TokenCounts(prompt: plan.prompt.count, completion: confidence.tokens, cached: 0), status: .escalated,
                   httpStatus: 200, error: judged.text)
        return .escalated(judged)
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
