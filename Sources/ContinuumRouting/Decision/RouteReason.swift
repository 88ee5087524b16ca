/// Why a request went where it went: one typed value per decision, in the order they were
/// taken. `code` is stable (ledger column, `x-continuum-route-code`, tests); `text` is for
/// people (`x-continuum-route`) and may change wording.
public enum RouteReason: Sendable, Equatable {
    /// The model has one backend (in the tiers allowed): no choice to make.
    case onlyBackend(model: String, narrowed: Bool)
    /// The replica policy chose among several (its own explanation).
    case policy(name: String, detail: String)
    /// Personal data kept the request to these tiers.
    case personalDataKept(kinds: String, tiers: [Tier])
    /// Personal data goes as placeholders, restored in the answer.
    case personalDataRedacted(kinds: String)
    /// Local engines do not honour these request fields: only remote backends were considered.
    case needsRemote(fields: [String])
    /// A tier cascade answers this model name.
    case cascade(name: String)
    /// Personal data narrowed the cascade to these steps.
    case cascadeNarrowed(kinds: String, steps: [String])
    /// The router scored the prompt before generating.
    case routerScore(label: String, score: Double, threshold: Double, skipped: String?)
    /// The router could not score the prompt: no choice before generating.
    case routerFailed(label: String, error: String)
    /// A step's answer was judged by its own confidence.
    case confidence(step: String, score: Double, tokens: Int, minimum: Double, kept: Bool)
    /// A step could not be tried (no local backend free for a judged step).
    case stepUnavailable(step: String)
    /// The request moved on to another model of the fallback list.
    case fallback(from: String, to: String, cause: FallbackCause)
    /// Another attempt after a failure before the first byte.
    case retry(attempt: Int, after: String)

    public enum FallbackCause: String, Sendable, Equatable {
        /// The local engine's queue was at its limit.
        case full
        /// Every replica failed before the first byte (or none was healthy).
        case failed
        /// The prompt does not fit the model's context.
        case promptTooLong = "prompt_too_long"
    }

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .onlyBackend: "only_backend"
        case .policy: "policy"
        case .personalDataKept: "personal_data_kept"
        case .personalDataRedacted: "personal_data_redacted"
        case .needsRemote: "needs_remote"
        case .cascade: "cascade"
        case .cascadeNarrowed: "cascade_narrowed"
        case .routerScore(_, _, _, let skipped): skipped == nil ? "router_kept" : "router_escalated"
        case .routerFailed: "router_failed"
        case .confidence(_, _, _, _, let kept): kept ? "confidence_kept" : "confidence_escalated"
        case .stepUnavailable: "step_unavailable"
        case .fallback(_, _, let cause): "fallback_\(cause.rawValue)"
        case .retry: "retry"
        }
    }

    public var text: String {
        switch self {
        case .onlyBackend(let model, let narrowed):
            narrowed ? "only backend of model '\(model)' in the key's tiers" : "only backend of model '\(model)'"
        case .policy(let name, let detail): "\(name): \(detail)"
        case .personalDataKept(let kinds, let tiers): "personal data (\(kinds)) kept to \(Tier.list(tiers))"
        case .personalDataRedacted(let kinds): "personal data (\(kinds)) sent as placeholders and restored in the answer"
        case .needsRemote(let fields): "local engines do not honour \(fields.joined(separator: ", ")): remote backends only"
        case .cascade(let name): "cascade '\(name)'"
        case .cascadeNarrowed(let kinds, let steps): "personal data (\(kinds)) keeps it to \(steps.joined(separator: " → "))"
        case .routerScore(let label, let score, let threshold, let skipped):
            if let skipped {
                "\(label) score \(Self.format(score)) ≥ \(Self.format(threshold)): skip \(skipped)"
            } else {
                "\(label) score \(Self.format(score)) < \(Self.format(threshold))"
            }
        case .routerFailed(let label, let error): "\(label) failed (\(error)); no choice before generating"
        case .confidence(let step, let score, let tokens, let minimum, let kept):
            if tokens == 0 {
                "\(step) gave an empty answer: escalated"
            } else {
                "\(step) confidence \(Self.format(score)) over \(tokens) token\(tokens == 1 ? "" : "s") "
                    + (kept ? "≥ \(Self.format(minimum)): kept" : "< \(Self.format(minimum)): escalated")
            }
        case .stepUnavailable(let step): "\(step): no local backend can take it"
        case .fallback(let from, let to, let cause):
            switch cause {
            case .full: "'\(from)' is full: fell back to '\(to)'"
            case .failed: "'\(from)' failed: fell back to '\(to)'"
            case .promptTooLong: "prompt too long for '\(from)': fell back to '\(to)'"
            }
        case .retry(let attempt, let after): "attempt \(attempt) after: \(after)"
        }
    }

    /// Whether this reason says the request went past a cascade's first step, and when.
    public var escalation: String? {
        switch self {
        case .routerScore(_, _, _, .some): return "before"
        case .confidence(_, _, _, _, false): return "after"
        default: return nil
        }
    }

    static func format(_ x: Double) -> String {
        // "%.3f" without Foundation: round half away from zero to three decimals.
        let scaled = (abs(x) * 1000).rounded()
        let whole = Int(scaled) / 1000, frac = Int(scaled) % 1000
        let digits = String(frac)
        return (x < 0 && scaled != 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}

extension Array where Element == RouteReason {
    /// The readable route: every reason, in order.
    public var text: String { map(\.text).joined(separator: "; ") }
    /// The codes, comma-separated.
    public var codes: String { map(\.code).joined(separator: ",") }

    /// The code that says most about the route (the ledger's `reason_code`): the last reason
    /// that is more than the replica choice (a fallback, a retry, personal data, an
    /// escalation), else the replica choice.
    public var primaryCode: String? {
        last { r in
            switch r {
            case .onlyBackend, .policy, .cascade: false
            default: true
            }
        }?.code ?? last?.code
    }
}
