/// What the route decision says: where a request may be answered, in which order, and why;
/// or that it must be refused, and why. The gateway carries it out and adds only what it
/// learns while doing so (the replica the policy picked, fallbacks, retries).
public enum RouteDecision: Sendable, Equatable {
    case route(RoutePlan)
    case refuse(RouteRefusal)
}

/// Where a routed request goes.
public struct RoutePlan: Sendable, Equatable {
    /// One step for a served model; a cascade's steps (smallest and closest first) otherwise.
    public var steps: [Step]
    /// Reasons that hold for the whole request (cascade, narrowed steps).
    public var reasons: [RouteReason]
    /// Personal-data kinds found (empty when none), for the ledger.
    public var personalData: [String]

    public init(steps: [Step], reasons: [RouteReason] = [], personalData: [String] = []) {
        self.steps = steps
        self.reasons = reasons
        self.personalData = personalData
    }

    /// One served model to answer from, and the models that take over when it cannot.
    public struct Step: Sendable, Equatable {
        /// The step's served model name.
        public var model: String
        /// The step's own model first, then its fallbacks, each already narrowed.
        public var targets: [Target]

        public init(model: String, targets: [Target]) {
            self.model = model
            self.targets = targets
        }
    }

    /// A served model and the backends of it that this request may use.
    public struct Target: Sendable, Equatable {
        public var model: String
        /// Backend names allowed, in configured order (the replica policy picks among them).
        public var backends: [String]
        /// Send personal data as placeholders (and restore the answer): no allowed tier serves it.
        public var redact: Bool
        /// Why this target is narrowed (personal data, fields local engines ignore).
        public var reasons: [RouteReason]
        /// Whether every allowed backend is an engine in this process.
        public var localOnly: Bool

        public init(model: String, backends: [String], redact: Bool = false, reasons: [RouteReason] = [], localOnly: Bool = false) {
            self.model = model
            self.backends = backends
            self.redact = redact
            self.reasons = reasons
            self.localOnly = localOnly
        }
    }
}

/// Why a request is refused before anything is sent anywhere.
public enum RouteRefusal: Error, Sendable, Equatable {
    /// No such served model, or the key may not use it (the same answer: a key learns
    /// nothing about models it cannot use).
    case modelNotFound(String)
    /// The key's tiers include none that serve the model.
    case keyTiers(model: String, served: [Tier])
    /// Personal data that no allowed tier can answer, and no redaction.
    case personalData(kinds: String, allowed: [Tier], instead: String)
    /// Fields no allowed backend honours (local engines ignore them).
    case unsupported(fields: [String], model: String)

    public var code: String {
        switch self {
        case .modelNotFound: "model_not_found"
        case .keyTiers: "key_tiers"
        case .personalData: "personal_data"
        case .unsupported: "unsupported_field"
        }
    }

    /// The HTTP status in OpenAI's conventions.
    public var status: Int {
        switch self {
        case .modelNotFound: 404
        case .keyTiers, .personalData: 403
        case .unsupported: 400
        }
    }

    public var message: String {
        switch self {
        case .modelNotFound(let m):
            "The model '\(m)' does not exist or you do not have access to it."
        case .keyTiers(let model, let served):
            "this key may not use the tiers that serve model '\(model)': it is served on the \(Tier.list(served)) tier\(served.count == 1 ? "" : "s")"
        case .personalData(let kinds, let allowed, let instead):
            "This request contains personal data (\(kinds)) and may only be answered on the \(allowed.isEmpty ? "no" : Tier.list(allowed)) tier(s); \(instead). Nothing was sent."
        case .unsupported(let fields, let model):
            "\(fields.joined(separator: ", ")) \(fields.count == 1 ? "is" : "are") not supported by the engines that serve '\(model)' (it would be ignored); remove \(fields.count == 1 ? "it" : "them") or use a model served by an OpenAI-compatible backend"
        }
    }

    /// The request field to name in the error, where there is one.
    public var param: String? {
        switch self {
        case .modelNotFound: "model"
        case .unsupported(let fields, _): fields.first
        default: nil
        }
    }
}
