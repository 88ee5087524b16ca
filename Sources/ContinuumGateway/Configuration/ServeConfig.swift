public import Foundation
public import ContinuumRouting
import Yams

/// `continuum serve --config FILE`: the backends (engines in process and OpenAI-compatible
/// servers elsewhere, each in a tier) and the model names served from them. YAML:
///
/// ```yaml
/// port: 8080
/// backends:
///   phone:  {type: local, tier: device, model: ~/models/SmolLM2-135M-Instruct.Q4_1.gguf, threads: 2}
///   big:    {type: openai, tier: cloud, base_url: https://api.example.com/v1, api_key_env: BIG_KEY, model: big-1}
/// models:
///   smollm2: phone            # one backend
///   big: [big, big-2]         # replicas, round-robin over the healthy ones
///   chat:                     # replicas with a replica policy (ContinuumRouting)
///     backends: [edge-1, edge-2, edge-3]
///     routing: continuum      # round-robin | least-outstanding | power-of-two | aibrix | sglang | continuum
///     tokenizer: ~/models/SmolLM2-135M-Instruct.Q4_1.gguf   # the replicas' model, for prompt-aware policies
///   auto:                     # a tier cascade over served models, smallest first
///     cascade: [smollm2, big]
///     before: {router: routers/minilm-logistic.json, embedding_model: ~/models/all-MiniLM-L6-v2, escalate_share: 0.3}
///     after: {min_confidence: 0.5, buffer_tokens: 32}
/// embeddings: {model: minilm, path: ~/.cache/continuum/models/all-MiniLM-L6-v2}   # POST /v1/embeddings
/// responses: {store: true, retention_days: 30}   # POST /v1/responses answers kept for previous_response_id
/// server: {header_timeout: 10, body_timeout: 30, idle_timeout: 60, max_connections: 4096}   # seconds; ServerLimits
/// ```
///
/// Unknown keys are errors (a typo should not silently fall back to a default).
public struct ServeConfig: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var bodyLimit: Int?
    public var shutdownGraceSeconds: Double?
    public var healthCheckIntervalSeconds: Double = 5
    /// Extra attempts, before the first byte only, on another replica where there is one.
    public var retries: Int = 2
    public var backends: [String: BackendSpec]
    public var models: [String: ServedModel]
    /// Model names answered by a tier cascade over other served models.
    public var cascades: [String: CascadeSpec] = [:]
    /// `privacy: {enabled, tiers, kinds}`: where requests with personal data may go (default: device only).
    public var privacyEnabled = true
    public var privacyTiers: Set<Tier> = [.device]
    public var privacyKinds: Set<PIIDetector.Kind> = PrivacyPolicy.defaultKinds
    /// `privacy.mode`: refuse (default) or redact requests that would leave the allowed tiers.
    public var privacyMode: PrivacyPolicy.Mode = .refuse
    /// `embeddings: {model: NAME, path: DIR}`: a sentence-transformers model directory served at
    /// `POST /v1/embeddings` under NAME (default: the directory's name).
    public var embeddingName: String?
    public var embeddingPath: String?
    /// `server: {header_timeout, body_timeout, idle_timeout, max_connections}`: the HTTP server's limits.
    public var serverLimits = ServerLimits()
    /// `responses: {store, retention_days}`: whether Responses API answers are kept, and how long.
    public var responses = ResponseStorage()

    /// A served model name: its backends and how requests pick one.
    public struct ServedModel: Sendable, Equatable {
        public var backends: [String]
        /// A ContinuumRouting policy name; nil: round-robin over healthy backends.
        public var routing: String?
        /// GGUF whose tokenizer and chat template the replicas use (for prompt-aware policies);
        /// nil: a local backend's model, else the default model.
        public var tokenizer: String?
        /// The replicas' prefill speed (tokens/s) for predicted-TTFT routing.
        public var prefillTokensPerSecond: Double?
        /// Served models that take this model's requests, in order, when none of its replicas
        /// can (local queue full, failures before the first byte, prompt longer than its context).
        public var fallbacks: [String] = []

        public init(backends: [String], routing: String? = nil, tokenizer: String? = nil, prefillTokensPerSecond: Double? = nil) {
            self.backends = backends
            self.routing = routing
            self.tokenizer = tokenizer
            self.prefillTokensPerSecond = prefillTokensPerSecond
        }
    }

    /// `models.X: {cascade: [...], before: {...}, after: {...}}`: answer on the first step
    /// unless the router (before generating) or the answer's confidence (after) says otherwise.
    public struct CascadeSpec: Sendable, Equatable {
        /// Served model names, smallest/closest first.
        public var steps: [String]
        /// Router file (`continuum router train`); nil: no choice before generating.
        public var router: String?
        /// Sentence-embedding model directory the router was trained on; nil: the default.
        public var embeddingModel: String?
        /// Escalate this share of requests before generating (the router's calibrated threshold).
        public var escalateShare: Double?
        /// Or: the router score above which a request skips the first step.
        public var threshold: Double?
        /// Or: an average cost per request, from the cost of the first and of the next step.
        public var costBudget: CostBudget?
        /// Escalate after generating when the answer's confidence is below this; nil: never.
        public var minConfidence: Double?
        /// Tokens generated (and, when streaming, held back) before the confidence decision.
        public var bufferTokens: Int = 32

        public init(steps: [String]) { self.steps = steps }
    }

    /// `cost_budget: {first: 0.0001, next: 0.005, budget: 0.001}` (any currency, per request).
    public struct CostBudget: Sendable, Equatable {
        public var first: Double
        public var next: Double
        public var budget: Double

        /// The share of requests that may skip to the next step: first·(1−s) + next·s = budget.
        public var escalateShare: Double {
            guard next > first else { return 0 }
            return min(1, max(0, (budget - first) / (next - first)))
        }
    }

    public enum BackendSpec: Sendable, Equatable {
        case local(Local)
        case openai(OpenAI)

        public var tier: Tier {
            switch self {
            case .local(let l): l.tier
            case .openai(let o): o.tier
            }
        }
    }

    public struct Local: Sendable, Equatable {
        public var tier: Tier = .device
        /// GGUF path (`~` and paths relative to the config file resolved); nil: the default model.
        public var model: String?
        public var threads: Int?
        public var context: Int?
        public var parallel: Int?
        public var queue: Int?
        public var kvCacheMiB: Int?
        /// `template:` a shipped chat template name or a .jinja path (relative to the config
        /// file) used instead of the model's; nil: the model's (or `--template`).
        public var template: String?
    }

    /// A remote backend: `type: openai` (an OpenAI-compatible server) or `type: anthropic`
    /// (Anthropic's Messages API, which answers `/v1/messages` requests passed through as
    /// they came); the same keys for both.
    public struct OpenAI: Sendable, Equatable {
        public var api: UpstreamAPI = .openAI
        public var tier: Tier = .cloud
        public var baseURL: String
        /// Name of the environment variable holding the API key (never the key itself).
        public var apiKeyEnv: String?
        /// The upstream's model name; nil: the served name.
        public var model: String?
        public var connectTimeoutSeconds: Double = 5
        public var firstByteTimeoutSeconds: Double = 600
        public var readTimeoutSeconds: Double = 120
        public var maxConnections: Int = 256
        public var failureThreshold: Int = 3
    }

    /// Browser origins allowed to call the API (`cors:`); off by default.
    public var cors = CORSPolicy()
    /// `ledger: postgres://user@host:5432/db`: the shared store several instances use for
    /// keys, usage, budgets and rate leases (a path or nothing: the SQLite file alone).
    public var ledgerURL: String?
    /// `ledger_unreachable: closed | open` (default closed).
    public var storeUnreachable: StoreUnreachablePolicy?

    public init(backends: [String: BackendSpec], models: [String: ServedModel]) {
        self.backends = backends
        self.models = models
    }

    /// Reads and validates a config file; every problem is a ``ServeConfigError`` naming the key.
    public static func load(path: String) throws(ServeConfigError) -> ServeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8)
        } catch {
            throw ServeConfigError("cannot read \(path): \(error.localizedDescription)")
        }
        let base = ((path as NSString).expandingTildeInPath as NSString).deletingLastPathComponent
        return try parse(yaml: text, baseDirectory: base)
    }

    public static func parse(yaml: String, baseDirectory: String = FileManager.default.currentDirectoryPath) throws(ServeConfigError) -> ServeConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ServeConfigError("not valid YAML: \(error)")
        }
        guard let root = node?.mapping else { throw ServeConfigError("the file must be a mapping with `backends` and `models`") }
        var r = YAMLReader(root, path: "")
        try r.only(["host", "port", "body_limit", "shutdown_grace_seconds", "health_check_interval_seconds", "retries", "backends", "models", "privacy", "embeddings", "server", "cors", "responses", "ledger", "ledger_unreachable"])
        var config = ServeConfig(backends: [:], models: [:])
        config.host = try r.string("host")
        config.port = try r.int("port", in: 0...65535)
        config.bodyLimit = try r.int("body_limit", in: 1...(1 << 30))
        config.shutdownGraceSeconds = try r.double("shutdown_grace_seconds", in: 0...3600)
        config.healthCheckIntervalSeconds = try r.double("health_check_interval_seconds", in: 0.1...3600) ?? 5
        config.retries = try r.int("retries", in: 0...10) ?? 2
        if let p = r.node("privacy") {
            guard let m = p.mapping else { throw ServeConfigError("privacy must be a mapping (enabled, tiers, kinds)") }
            let pr = YAMLReader(m, path: "privacy.")
            try pr.only(["enabled", "tiers", "kinds", "mode"])
            if let m = try pr.string("mode") {
                guard let mode = PrivacyPolicy.Mode(rawValue: m) else { throw ServeConfigError("privacy.mode must be refuse or redact (got '\(m)')") }
                config.privacyMode = mode
            }
            if let e = try pr.string("enabled") {
                guard let b = Bool(e) else { throw ServeConfigError("privacy.enabled must be true or false") }
                config.privacyEnabled = b
            }
            if let t = try pr.list("tiers") {
                config.privacyTiers = Set(try t.map { s throws(ServeConfigError) in
                    guard let tier = Tier(rawValue: s) else { throw ServeConfigError("privacy.tiers: unknown tier '\(s)'") }
                    return tier
                })
            }
            if let k = try pr.list("kinds") {
                config.privacyKinds = Set(try k.map { s throws(ServeConfigError) in
                    guard let kind = PIIDetector.Kind(rawValue: s) else {
                        throw ServeConfigError("privacy.kinds: unknown kind '\(s)' (\(PIIDetector.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    return kind
                })
            } else if config.privacyMode == .redact {
                // A false name costs a placeholder here, not a refusal: names are on by default.
                config.privacyKinds.insert(.person)
            }
        }
        if let e = r.node("embeddings") {
            guard let m = e.mapping else { throw ServeConfigError("embeddings must be a mapping (model, path)") }
            let er = YAMLReader(m, path: "embeddings.")
            try er.only(["model", "path"])
            guard let p = try er.string("path") else { throw ServeConfigError("embeddings.path (the model directory) is required") }
            config.embeddingPath = resolve(p, baseDirectory: baseDirectory)
            config.embeddingName = try er.string("model")
        }
        if let n = r.node("responses") {
            guard let m = n.mapping else { throw ServeConfigError("responses must be a mapping (store, retention_days)") }
            let rr = YAMLReader(m, path: "responses.")
            try rr.only(["store", "retention_days"])
            if let e = try rr.string("store") {
                guard let b = Bool(e) else { throw ServeConfigError("responses.store must be true or false") }
                config.responses.enabled = b
            }
            config.responses.retentionDays = try rr.double("retention_days", in: 0.001...36500) ?? config.responses.retentionDays
        }
        if let s = r.node("server") {
            guard let m = s.mapping else { throw ServeConfigError("server must be a mapping (header_timeout, body_timeout, idle_timeout, max_connections)") }
            let sr = YAMLReader(m, path: "server.")
            try sr.only(["header_timeout", "body_timeout", "idle_timeout", "max_connections"])
            func seconds(_ key: String) throws(ServeConfigError) -> Duration? {
                try sr.double(key, in: 0.001...86400).map { .milliseconds(Int(($0 * 1000).rounded())) }
            }
            let defaults = ServerLimits()
            config.serverLimits = ServerLimits(
                headerTimeout: try seconds("header_timeout") ?? defaults.headerTimeout,
                bodyTimeout: try seconds("body_timeout") ?? defaults.bodyTimeout,
                idleTimeout: try seconds("idle_timeout") ?? defaults.idleTimeout,
                maxConnections: try sr.int("max_connections", in: 1...1_000_000) ?? defaults.maxConnections)
        }
        if let l = try r.string("ledger") {
            guard l.hasPrefix("postgres://") || l.hasPrefix("postgresql://") else {
                throw ServeConfigError("ledger must be a postgres:// URL (the SQLite file is chosen with --ledger)")
            }
            config.ledgerURL = l
        }
        if let u = try r.string("ledger_unreachable") {
            guard let policy = StoreUnreachablePolicy(rawValue: u) else {
                throw ServeConfigError("ledger_unreachable must be closed or open, got '\(u)'")
            }
            config.storeUnreachable = policy
        }
        if let c = r.node("cors") {
            guard let m = c.mapping else { throw ServeConfigError("cors must be a mapping (origins, max_age_seconds)") }
            let cr = YAMLReader(m, path: "cors.")
            try cr.only(["origins", "max_age_seconds"])
            let origins = try cr.list("origins") ?? []
            if let bad = origins.first(where: { !CORSPolicy.isOrigin($0) }) {
                throw ServeConfigError("cors.origins: '\(bad)' is not an origin (scheme://host[:port], or *)")
            }
            config.cors = CORSPolicy(origins: origins, maxAgeSeconds: try cr.int("max_age_seconds", in: 0...86400) ?? 600)
        }
        guard let backends = try r.mapping("backends"), !backends.isEmpty else { throw ServeConfigError("`backends` must name at least one backend") }
        for (name, node) in backends {
            config.backends[name] = try backend(name: name, node: node, baseDirectory: baseDirectory)
        }
        guard let models = try r.mapping("models"), !models.isEmpty else { throw ServeConfigError("`models` must name at least one served model") }
        for (name, node) in models {
            var served = ServedModel(backends: [])
            var listNode: Node? = node
            if let m = node.mapping, m[Node("cascade")] != nil {
                config.cascades[name] = try cascade(name: name, m, baseDirectory: baseDirectory)
                continue
            }
            if let m = node.mapping {
                let r = YAMLReader(m, path: "models.\(name).")
                try r.only(["backends", "routing", "tokenizer", "prefill_tokens_per_second", "fallbacks"])
                listNode = r.node("backends")
                served.routing = try r.string("routing")
                if let p = served.routing, !PolicyCatalog.names.contains(p) {
                    throw ServeConfigError("models.\(name).routing must be one of \(PolicyCatalog.names.joined(separator: ", ")) (got '\(p)')")
                }
                served.tokenizer = try r.string("tokenizer").map { resolve($0, baseDirectory: baseDirectory) }
                served.prefillTokensPerSecond = try r.double("prefill_tokens_per_second", in: 1...1e9)
                served.fallbacks = try r.list("fallbacks") ?? []
            }
            let list: [String]
            if let s = listNode?.scalar?.string { list = [s] } else if let seq = listNode?.sequence {
                list = try seq.map { n throws(ServeConfigError) in
                    guard let s = n.scalar?.string else { throw ServeConfigError("models.\(name): list backend names") }
                    return s
                }
            } else {
                throw ServeConfigError("models.\(name): give a backend name, a list of them, or {backends: [...], routing: ...}")
            }
            guard !list.isEmpty else { throw ServeConfigError("models.\(name): needs at least one backend") }
            for b in list where config.backends[b] == nil {
                throw ServeConfigError("models.\(name): no backend named '\(b)' (backends: \(config.backends.keys.sorted().joined(separator: ", ")))")
            }
            guard Set(list).count == list.count else { throw ServeConfigError("models.\(name): a backend is listed twice") }
            served.backends = list
            if let p = served.routing, let most = PolicyCatalog.maxReplicas(p), list.count > most {
                throw ServeConfigError("models.\(name): routing '\(p)' handles at most \(most) replicas (got \(list.count)); split the model or use another policy")
            }
            config.models[name] = served
        }
        for (name, m) in config.models {
            for f in m.fallbacks where f == name || config.models[f] == nil {
                throw ServeConfigError(f == name ? "models.\(name).fallbacks: a model cannot fall back to itself"
                    : "models.\(name).fallbacks: no served model named '\(f)' (models: \(config.models.keys.sorted().joined(separator: ", ")))")
            }
            guard Set(m.fallbacks).count == m.fallbacks.count else { throw ServeConfigError("models.\(name).fallbacks: a model is listed twice") }
        }
        for (name, c) in config.cascades {
            for step in c.steps where config.models[step] == nil {
                throw ServeConfigError(config.cascades[step] != nil ? "models.\(name).cascade: '\(step)' is itself a cascade"
                    : "models.\(name).cascade: no served model named '\(step)' (models: \(config.models.keys.sorted().joined(separator: ", ")))")
            }
        }
        return config
    }

    private static func cascade(name: String, _ m: Node.Mapping, baseDirectory: String) throws(ServeConfigError) -> CascadeSpec {
        let r = YAMLReader(m, path: "models.\(name).")
        try r.only(["cascade", "before", "after"])
        guard let steps = try r.list("cascade"), steps.count >= 2 else {
            throw ServeConfigError("models.\(name).cascade must list at least two served models, smallest first")
        }
        guard Set(steps).count == steps.count, !steps.contains(name) else {
            throw ServeConfigError("models.\(name).cascade: a model is listed twice or names the cascade itself")
        }
        var c = CascadeSpec(steps: steps)
        if let b = r.node("before") {
            guard let bm = b.mapping else { throw ServeConfigError("models.\(name).before must be a mapping (router, escalate_share, ...)") }
            let br = YAMLReader(bm, path: "models.\(name).before.")
            try br.only(["router", "embedding_model", "escalate_share", "threshold", "cost_budget"])
            guard let router = try br.string("router") else { throw ServeConfigError("models.\(name).before.router (a router file) is required") }
            c.router = resolve(router, baseDirectory: baseDirectory)
            c.embeddingModel = try br.string("embedding_model").map { resolve($0, baseDirectory: baseDirectory) }
            c.escalateShare = try br.double("escalate_share", in: 0...1)
            c.threshold = try br.double("threshold", in: -1e9...1e9)
            if let cb = br.node("cost_budget") {
                guard let cm = cb.mapping else { throw ServeConfigError("models.\(name).before.cost_budget must be {first, next, budget}") }
                let cr = YAMLReader(cm, path: "models.\(name).before.cost_budget.")
                try cr.only(["first", "next", "budget"])
                guard let f = try cr.double("first", in: 0...1e12), let n = try cr.double("next", in: 0...1e12),
                      let bu = try cr.double("budget", in: 0...1e12), n > f else {
                    throw ServeConfigError("models.\(name).before.cost_budget needs first < next and a budget (cost per request)")
                }
                c.costBudget = CostBudget(first: f, next: n, budget: bu)
            }
            let ways = [c.escalateShare != nil, c.threshold != nil, c.costBudget != nil].filter { $0 }.count
            guard ways == 1 else {
                throw ServeConfigError("models.\(name).before needs exactly one of escalate_share, threshold, cost_budget")
            }
        }
        if let a = r.node("after") {
            guard let am = a.mapping else { throw ServeConfigError("models.\(name).after must be a mapping (min_confidence, buffer_tokens)") }
            let ar = YAMLReader(am, path: "models.\(name).after.")
            try ar.only(["min_confidence", "buffer_tokens"])
            guard let mc = try ar.double("min_confidence", in: 0...1) else {
                throw ServeConfigError("models.\(name).after.min_confidence (0...1) is required")
            }
            c.minConfidence = mc
            c.bufferTokens = try ar.int("buffer_tokens", in: 1...4096) ?? 32
        }
        return c
    }

    private static func backend(name: String, node: Node, baseDirectory: String) throws(ServeConfigError) -> BackendSpec {
        guard let m = node.mapping else { throw ServeConfigError("backends.\(name) must be a mapping") }
        guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ServeConfigError("backends: '\(name)' is not a valid name (letters, digits, - _ . up to 64)")
        }
        var r = YAMLReader(m, path: "backends.\(name).")
        let type = try r.string("type")
        switch type {
        case "local":
            try r.only(["type", "tier", "model", "threads", "context", "parallel", "queue", "kv_cache_mib", "template"])
            var l = Local()
            l.tier = try r.tier() ?? .device
            l.model = try r.string("model").map { resolve($0, baseDirectory: baseDirectory) }
            l.threads = try r.int("threads", in: 1...512)
            l.context = try r.int("context", in: 16...1_048_576)
            l.parallel = try r.int("parallel", in: 1...1024)
            l.queue = try r.int("queue", in: 0...1_000_000)
            l.kvCacheMiB = try r.int("kv_cache_mib", in: 1...1_048_576)
            // A name (llama3, chatml) stays a name; anything path-like is resolved like `model`.
            l.template = try r.string("template").map { t in
                t.contains("/") || t.hasSuffix(".jinja") || t.hasPrefix("~") ? resolve(t, baseDirectory: baseDirectory) : t
            }
            return .local(l)
        case "openai", "anthropic":
            try r.only(["type", "tier", "base_url", "api_key_env", "model", "connect_timeout_seconds", "first_byte_timeout_seconds",
                        "read_timeout_seconds", "max_connections", "failure_threshold"])
            guard let url = try r.string("base_url") else { throw ServeConfigError("backends.\(name).base_url is required for type \(type ?? "openai")") }
            guard let u = URL(string: url), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
                throw ServeConfigError("backends.\(name).base_url: '\(url)' is not an http(s) URL")
            }
            var o = OpenAI(baseURL: url)
            o.api = type == "anthropic" ? .anthropic : .openAI
            o.tier = try r.tier() ?? .cloud
            o.apiKeyEnv = try r.string("api_key_env")
            o.model = try r.string("model")
            o.connectTimeoutSeconds = try r.double("connect_timeout_seconds", in: 0.001...3600) ?? 5
            o.firstByteTimeoutSeconds = try r.double("first_byte_timeout_seconds", in: 0.001...86400) ?? 600
            o.readTimeoutSeconds = try r.double("read_timeout_seconds", in: 0.001...86400) ?? 120
            o.maxConnections = try r.int("max_connections", in: 1...65536) ?? 256
            o.failureThreshold = try r.int("failure_threshold", in: 1...1000) ?? 3
            return .openai(o)
        case let other:
            throw ServeConfigError("backends.\(name).type must be `local`, `openai` or `anthropic`\(other.map { " (got '\($0)')" } ?? "")")
        }
    }

    private static func resolve(_ path: String, baseDirectory: String) -> String {
        let p = (path as NSString).expandingTildeInPath
        return p.hasPrefix("/") ? p : (baseDirectory as NSString).appendingPathComponent(p)
    }
}

/// A config file that cannot be used, with the key at fault.
public struct ServeConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "config: \(message)" }
}

/// Typed, path-naming reads of one YAML mapping.
private struct YAMLReader {
    let mapping: Node.Mapping
    let path: String

    init(_ mapping: Node.Mapping, path: String) {
        self.mapping = mapping
        self.path = path
    }

    func only(_ keys: Set<String>) throws(ServeConfigError) {
        for (k, _) in mapping {
            guard let s = k.scalar?.string else { throw ServeConfigError("\(path): keys must be strings") }
            if !keys.contains(s) {
                throw ServeConfigError("unknown key '\(path)\(s)' (known: \(keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    func node(_ key: String) -> Node? {
        mapping[Node(key)].flatMap { $0.scalar?.string == "~" || $0.scalar?.string == "null" ? nil : $0 }
    }

    func string(_ key: String) throws(ServeConfigError) -> String? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar?.string else { throw ServeConfigError("\(path)\(key) must be a string") }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ServeConfigError) -> Int? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar?.string, let v = Int(s) else { throw ServeConfigError("\(path)\(key) must be an integer") }
        guard range.contains(v) else { throw ServeConfigError("\(path)\(key) must be in \(range.lowerBound)...\(range.upperBound) (got \(v))") }
        return v
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws(ServeConfigError) -> Double? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar?.string, let v = Double(s) else { throw ServeConfigError("\(path)\(key) must be a number") }
        guard range.contains(v) else { throw ServeConfigError("\(path)\(key) must be in \(range.lowerBound)...\(range.upperBound) (got \(v))") }
        return v
    }

    func mapping(_ key: String) throws(ServeConfigError) -> [(String, Node)]? {
        guard let n = node(key) else { return nil }
        guard let m = n.mapping else { throw ServeConfigError("\(path)\(key) must be a mapping") }
        var out: [(String, Node)] = []
        for (k, v) in m {
            guard let s = k.scalar?.string else { throw ServeConfigError("\(path)\(key): keys must be strings") }
            out.append((s, v))
        }
        return out
    }

    func list(_ key: String) throws(ServeConfigError) -> [String]? {
        guard let n = node(key) else { return nil }
        if let s = n.scalar?.string { return [s] }
        guard let seq = n.sequence else { throw ServeConfigError("\(path)\(key) must be a list") }
        return try seq.map { x throws(ServeConfigError) in
            guard let s = x.scalar?.string else { throw ServeConfigError("\(path)\(key) must be a list of names") }
            return s
        }
    }

    func tier() throws(ServeConfigError) -> Tier? {
        guard let s = try string("tier") else { return nil }
        guard let t = Tier(rawValue: s) else {
            throw ServeConfigError("\(path)tier must be one of \(Tier.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(s)')")
        }
        return t
    }
}
