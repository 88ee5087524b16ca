/// Everything the route decision reads, gathered by the gateway before anything is sent:
/// the served models (and a cascade's steps), the key, the personal data found, what the
/// request needs from a backend, and the backends' health. Plain values: a table test can
/// write any of them down without HTTP, engines or clocks.
public struct RouteFacts: Sendable, Equatable {
    /// The model name the client asked for.
    public var model: String
    /// Every served model name that the decision may use (the requested one, a cascade's
    /// steps, fallbacks), by name.
    public var served: [String: ServedModel]
    /// The steps when `model` is a tier cascade (smallest and closest first); nil otherwise.
    public var cascade: [String]?
    /// The key's limits (nil: keys are off, anything goes).
    public var key: KeyScope?
    public var personalData: PersonalData
    public var privacy: Privacy
    /// Request fields only some backends honour (e.g. `tools` on a local engine).
    public var needs: Set<Capability>
    /// A cascade's router score of the prompt (computed before deciding, off the event loop).
    public var router: RouterScore?

    public init(model: String, served: [String: ServedModel], cascade: [String]? = nil, key: KeyScope? = nil,
                personalData: PersonalData = .none, privacy: Privacy = Privacy(), needs: Set<Capability> = [],
                router: RouterScore? = nil) {
        self.model = model
        self.served = served
        self.cascade = cascade
        self.key = key
        self.personalData = personalData
        self.privacy = privacy
        self.needs = needs
        self.router = router
    }

    /// The before-generation router's view of the prompt: a score against its threshold, or
    /// why there is none.
    public struct RouterScore: Sendable, Equatable {
        public var label: String
        public var threshold: Double
        public var score: Result<Double, Failure>

        public struct Failure: Error, Sendable, Equatable {
            public var message: String
            public init(_ message: String) { self.message = message }
        }

        public init(label: String, threshold: Double, score: Result<Double, Failure>) {
            self.label = label
            self.threshold = threshold
            self.score = score
        }
    }

    /// A served model name: its replicas and, in order, the models that take its requests
    /// when none of its replicas can (full, failing, prompt too long).
    public struct ServedModel: Sendable, Equatable {
        public var backends: [Backend]
        public var fallbacks: [String]
        /// The replica policy's name, for the route reason ("round-robin", "continuum", …).
        public var policy: String

        public init(backends: [Backend], fallbacks: [String] = [], policy: String = "round-robin") {
            self.backends = backends
            self.fallbacks = fallbacks
            self.policy = policy
        }
    }

    /// One replica as the decision sees it.
    public struct Backend: Sendable, Equatable {
        public var name: String
        public var tier: Tier
        /// An engine in this process (which honours fewer request fields than a remote server).
        public var local: Bool

        public init(name: String, tier: Tier, local: Bool) {
            self.name = name
            self.tier = tier
            self.local = local
        }
    }

    /// What the authenticated key may use.
    public struct KeyScope: Sendable, Equatable {
        /// nil: any tier.
        public var tiers: Set<Tier>?
        /// nil: any model.
        public var models: Set<String>?

        public init(tiers: Set<Tier>? = nil, models: Set<String>? = nil) {
            self.tiers = tiers
            self.models = models
        }
    }

    /// Personal data in the request, as the detector saw it.
    public enum PersonalData: Sendable, Equatable {
        case none
        /// Kinds found (raw values, sorted).
        case found([String])
        /// Text the gateway cannot read (token ids without the model's tokenizer): treated as
        /// personal data, fail-closed, and never redactable.
        case unreadable

        var names: String {
            switch self {
            case .none: ""
            case .found(let kinds): kinds.joined(separator: ", ")
            case .unreadable: "token ids that cannot be read without the model's tokenizer"
            }
        }
    }

    /// The privacy policy's part in routing.
    public struct Privacy: Sendable, Equatable {
        /// Tiers that may see personal data.
        public var tiers: Set<Tier>
        /// Send placeholders instead of refusing when no allowed tier serves the model.
        public var redact: Bool

        public init(tiers: Set<Tier> = [.device], redact: Bool = false) {
            self.tiers = tiers
            self.redact = redact
        }
    }

    /// A request field that only some backends honour, by its path in the request (`tools`,
    /// `n`, `messages[1].content[0] (image_url)`, an unknown field's name). A local engine
    /// honours none of them; a remote OpenAI-compatible server gets the body as sent.
    public struct Capability: Sendable, Hashable, Comparable {
        public var field: String

        public init(_ field: String) { self.field = field }

        public static let tools = Self("tools"), toolChoice = Self("tool_choice"), responseFormat = Self("response_format")
        public static let logitBias = Self("logit_bias"), choices = Self("n")

        public static func < (a: Self, b: Self) -> Bool { a.field < b.field }
    }
}
