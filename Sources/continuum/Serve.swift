import ArgumentParser
import ContinuumEngine
import ContinuumGateway
import ContinuumKernels
import ContinuumLedger
import ContinuumRouting
import ContinuumTokenizers
import Foundation
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve models over an OpenAI-compatible HTTP API (continuous batching, prefix cache, backends in tiers, API keys, ledger).",
        discussion: """
            Without --config: one engine in process serves the model given by -m (default: SmolLM2-135M-Instruct Q4_1).
            With --config FILE (YAML): the backends it declares (engines in process, OpenAI-compatible servers \
            elsewhere), each in a tier (device, edge, cloud), and the model names served from them; see docs/SERVE.md.
            --host, --port, --body-limit and the server limits (--header-timeout, ...) given on the command line override the file.
            """)

    @Option(help: "YAML file declaring backends, tiers and served models (see docs/SERVE.md).") var config: String?
    @Option(name: [.short, .long], help: "GGUF model file (default: SmolLM2-135M-Instruct Q4_1 from the model cache).") var model: String?
    @Option(help: "Name clients use in `model` (default: the file name without .gguf).") var modelName: String?
    @Option(help: "sentence-transformers model directory served at POST /v1/embeddings under its directory name (scripts/fetch-model.sh minilm).") var embeddingModel: String?
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port (default 8080; 0 picks a free one).") var port: Int?
    @Option(name: [.short, .long], help: "Threads.") var threads = Engine.defaultThreadCount
    @Option(name: [.short, .customLong("ctx-size")], help: "Longest sequence in tokens (default: the model's, at most 4096).") var contextLength: Int?
    @Option(help: "Most sequences decoding at once.") var parallel = 16
    @Option(help: "Most requests waiting; beyond it requests get 429.") var queue = 256
    @Option(name: .customLong("kv-cache-mib"), help: "KV cache size in MiB; keys and values are F16 (default: room for every sequence's full context, at most 1024).") var kvCacheMiB: Int?
    @Option(help: "Chat template instead of the model's: a shipped name (\(ChatTemplate.shippedNames.joined(separator: ", "))) or a .jinja file; a config's local backends may set their own (template:).")
    var template: String?
    @Option(help: "Largest request body in bytes (default 4 MiB).") var bodyLimit: Int?
    @Option(help: "Network threads (default: one per core).") var eventLoops: Int?
    @Option(help: "Seconds a request's head may take to arrive (default 10; then 408).") var headerTimeout: Double?
    @Option(help: "Longest silence in seconds while a request body arrives (default 30; then 408).") var bodyTimeout: Double?
    @Option(help: "Seconds a kept-alive connection may sit idle between requests (default 60).") var idleTimeout: Double?
    @Option(help: "Most open connections; beyond it a connection gets 503 (default 4096).") var maxConnections: Int?
    @Option(name: .customLong("cors-origin"), help: "A browser origin allowed to call the API (https://app.example.com, or * for any); repeat for more. Off by default; adds to the config's cors.origins.")
    var corsOrigins: [String] = []
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Run without a ledger (no API keys, no usage rows).") var noLedger = false
    @Option(help: "With --ledger-url: what limited keys get when PostgreSQL cannot be reached and this instance's leases are spent: closed (503 with Retry-After, the default) or open (no shared limit until it is back).")
    var ledgerUnreachable: String?
    @Flag(help: "Keep no Responses API answers (then `store: true` and `previous_response_id` are refused).") var noStoreResponses = false
    @Option(help: "Days a stored Responses API answer is kept, for previous_response_id (default 30).") var responsesRetentionDays: Double?
    @Flag(help: "Sample every token of a grammar-constrained answer, also where the grammar allows only one (default: such tokens are appended without sampling).") var noForcedTokens = false

    func run() async throws {
        Gateway.runConcurrencyOnEventLoops(loops: eventLoops)
        guard threads >= 1, parallel >= 1, queue >= 0, (bodyLimit ?? 1) > 0 else {
            throw ValidationError("threads, parallel and body-limit must be positive")
        }
        guard [headerTimeout, bodyTimeout, idleTimeout].allSatisfy({ ($0 ?? 1) > 0 }), (maxConnections ?? 1) > 0 else {
            throw ValidationError("the timeouts and max-connections must be positive")
        }
        var file: ServeConfig?
        if let config {
            do { file = try ServeConfig.load(path: config) } catch { throw ValidationError(error.description) }
        }
        var settings = GatewayConfiguration()
        settings.host = host ?? file?.host ?? settings.host
        settings.port = port ?? file?.port ?? settings.port
        settings.bodyLimit = bodyLimit ?? file?.bodyLimit ?? settings.bodyLimit
        settings.serverLimits = file?.serverLimits ?? settings.serverLimits
        func duration(_ seconds: Double) -> Duration { .milliseconds(Int((seconds * 1000).rounded())) }
        if let t = headerTimeout { settings.serverLimits.headerTimeout = duration(t) }
        if let t = bodyTimeout { settings.serverLimits.bodyTimeout = duration(t) }
        if let t = idleTimeout { settings.serverLimits.idleTimeout = duration(t) }
        if let n = maxConnections { settings.serverLimits.maxConnections = n }
        settings.responses = file?.responses ?? settings.responses
        if noStoreResponses { settings.responses.enabled = false }
        if let d = responsesRetentionDays {
            guard d > 0 else { throw ValidationError("responses-retention-days must be positive") }
            settings.responses.retentionDays = d
        }
        settings.cors = file?.cors ?? settings.cors
        if let u = ledgerUnreachable {
            guard let policy = StoreUnreachablePolicy(rawValue: u) else { throw ValidationError("--ledger-unreachable must be closed or open") }
            settings.storeUnreachable = policy
        } else if let policy = file?.storeUnreachable {
            settings.storeUnreachable = policy
        }
        if let bad = corsOrigins.first(where: { !CORSPolicy.isOrigin($0) }) {
            throw ValidationError("--cors-origin '\(bad)' is not an origin (scheme://host[:port], or *)")
        }
        if !corsOrigins.isEmpty {
            settings.cors = CORSPolicy(origins: Array(settings.cors.origins) + (settings.cors.anyOrigin ? ["*"] : []) + corsOrigins,
                                       maxAgeSeconds: settings.cors.maxAgeSeconds)
        }
        if let f = file {
            settings.shutdownGrace = f.shutdownGraceSeconds ?? settings.shutdownGrace
            settings.retries = f.retries
            settings.healthCheckInterval = .milliseconds(Int(f.healthCheckIntervalSeconds * 1000))
            // Person names need the census first names (scripts/fetch-names.sh) to be found well.
            let names = f.privacyKinds.contains(.person) ? try FirstNames.load(nil) : []
            if f.privacyKinds.contains(.person) && names.isEmpty {
                Stderr.print("warning: privacy.kinds has person but \(FirstNames.defaultPath) is missing (scripts/fetch-names.sh); names are found by context only")
            }
            settings.privacy = PrivacyPolicy(enabled: f.privacyEnabled, tiers: f.privacyTiers, kinds: f.privacyKinds,
                                             detector: PIIDetector(firstNames: names), mode: f.privacyMode)
        }
        let groups: [ReplicaGroup]
        var cascades: [Cascade] = []
        if let file {
            groups = try makeGroups(file)
            cascades = try makeCascades(file, groups: groups)
        } else {
            let path = try ModelLocation.resolve(model)
            let engine = try BatchEngine(.init(modelPath: path, threads: threads, contextLength: contextLength,
                                               kvCacheBytes: kvCacheMiB.map { $0 << 20 }, maxSequences: parallel, maxQueue: queue,
                                               template: try template.map(ModelOptions.templateChoice), forcedTokens: !noForcedTokens))
            let name = modelName ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            groups = [ReplicaGroup(model: name, backends: [.local(LocalBackend(name: "local", engine: engine))])]
        }
        let ledger = noLedger ? nil : try ledgerOptions.open()
        if let ledger {
            let closed = try await ledger.markInterrupted(startedBefore: Date())
            if closed > 0 { Stderr.print("ledger: \(closed) request(s) interrupted by the last shutdown marked as errors") }
        }
        var gateway = Gateway(configuration: settings, groups: groups, cascades: cascades, ledger: ledger)
        var sharedRun: Task<Void, Never>?
        if let url = try ledgerOptions.sharedURL(fromConfig: file?.ledgerURL) {
            guard ledger != nil else { throw ValidationError("--ledger-url needs the local ledger (drop --no-ledger): it is the spool of rows written while PostgreSQL is away") }
            let (store, run) = try await ledgerOptions.openShared(url)
            // The store's keys before the first request (then KeyMirror keeps them current).
            try await ledger?.replaceKeys(with: store.allKeys())
            gateway.sharedStore = store
            sharedRun = run
            Stderr.print("ledger: shared store \(url) (instance \(store.instanceID))")
        }
        defer { sharedRun?.cancel() }
        if let dir = embeddingModel.map({ ($0 as NSString).expandingTildeInPath }) ?? file?.embeddingPath {
            let engine = try EmbeddingEngine(directory: URL(fileURLWithPath: dir), threads: threads)
            gateway.embeddingModels[(embeddingModel == nil ? file?.embeddingName : nil) ?? engine.modelName] = engine
        }
        let host = settings.host, embeddings = gateway.embeddingModels
        let cascadeList = cascades
        let app = gateway.application { port in
            Stderr.print("continuum serve: http://\(host):\(port)/v1 (kernel path \(KernelISA.active.name))")
            for g in groups.sorted(by: { $0.model < $1.model }) {
                Stderr.print("  model '\(g.model)' ← \(g.backends.map(Self.describe).joined(separator: ", "))\(g.backends.count > 1 ? " [\(g.policyName)]" : "")")
            }
            for c in cascadeList.sorted(by: { $0.name < $1.name }) {
                let checks = [c.before.map { "before: \($0.label), threshold \($0.threshold)" },
                              c.after.map { "after: confidence ≥ \($0.minConfidence) over \($0.bufferTokens) tokens" }].compactMap { $0 }
                Stderr.print("  model '\(c.name)' ← cascade \(c.steps.joined(separator: " → "))\(checks.isEmpty ? "" : " (\(checks.joined(separator: "; ")))")")
            }
            for (name, e) in embeddings { Stderr.print("  embeddings '\(name)' ← \(e.modelName) (\(e.dimension)-d, \(e.maxTokens) tokens)") }
        }
        try await app.runService()
    }

    /// Builds every backend the config declares once, then the groups that share them.
    private func makeGroups(_ file: ServeConfig) throws -> [ReplicaGroup] {
        var built: [String: Backend] = [:]
        for (name, spec) in file.backends.sorted(by: { $0.key < $1.key }) where file.models.values.contains(where: { $0.backends.contains(name) }) {
            switch spec {
            case .local(let l):
                let path = try ModelLocation.resolve(l.model)
                let engine = try BatchEngine(.init(
                    modelPath: path, threads: l.threads ?? threads, contextLength: l.context ?? contextLength,
                    kvCacheBytes: (l.kvCacheMiB ?? kvCacheMiB).map { $0 << 20 }, maxSequences: l.parallel ?? parallel,
                    maxQueue: l.queue ?? queue, template: try (l.template ?? template).map(ModelOptions.templateChoice),
                    forcedTokens: !noForcedTokens))
                built[name] = .local(LocalBackend(name: name, tier: l.tier, engine: engine))
            case .openai(let o):
                var key: String?
                if let env = o.apiKeyEnv {
                    guard let value = ProcessInfo.processInfo.environment[env], !value.isEmpty else {
                        throw ValidationError("config: backends.\(name).api_key_env names $\(env), which is not set")
                    }
                    key = value
                }
                built[name] = .openai(OpenAIBackend(
                    name: name, tier: o.tier, baseURL: o.baseURL, apiKey: key, upstreamModel: o.model,
                    timeouts: .init(connect: .milliseconds(Int(o.connectTimeoutSeconds * 1000)),
                                    firstByte: .milliseconds(Int(o.firstByteTimeoutSeconds * 1000)),
                                    read: .milliseconds(Int(o.readTimeoutSeconds * 1000))),
                    maxConnections: o.maxConnections, breaker: CircuitBreaker(failureThreshold: o.failureThreshold), api: o.api))
            }
        }
        return try file.models.sorted(by: { $0.key < $1.key }).map { model, served in
            let backends = served.backends.map { built[$0]! }
            let routing = served.routing ?? "round-robin"
            var hasher: PromptHasher?
            // The tokenizer also lets the privacy scan read token-id prompts (configured: load it).
            if PolicyCatalog.usesPrompts(routing) || served.tokenizer != nil {
                let local = served.backends.compactMap { name -> String? in
                    if case .local(let l) = file.backends[name] { return l.model ?? (try? ModelLocation.resolve(nil)) }
                    return nil
                }.first
                let path = try served.tokenizer ?? local ?? ModelLocation.resolve(nil)
                do {
                    hasher = try PromptHasher(modelPath: path)
                } catch {
                    throw ValidationError("config: models.\(model): cannot read the tokenizer from \(path): \(error)")
                }
            }
            return ReplicaGroup(model: model, backends: backends,
                                policy: served.routing == nil ? nil : PolicyCatalog.make(routing),
                                hasher: hasher, prefillTokensPerSecond: served.prefillTokensPerSecond ?? 1000,
                                fallbacks: served.fallbacks)
        }
    }

    /// The config's cascades; a step judged after generating must be served in process (its
    /// confidence comes from the engine's own log-probabilities).
    private func makeCascades(_ file: ServeConfig, groups: [ReplicaGroup]) throws -> [Cascade] {
        try file.cascades.sorted(by: { $0.key < $1.key }).map { name, spec in
            var after: Cascade.AfterCheck?
            if let mc = spec.minConfidence {
                after = .init(minConfidence: mc, bufferTokens: spec.bufferTokens)
                for step in spec.steps.dropLast() {
                    let g = groups.first { $0.model == step }!
                    if g.backends.contains(where: { if case .openai = $0 { true } else { false } }) {
                        throw ValidationError("config: models.\(name): step '\(step)' is judged after generating, so it must be served by local backends only")
                    }
                }
            }
            var before: Cascade.BeforeRouting?
            if spec.router != nil { before = try makeRouter(name: name, spec) }
            return Cascade(name: name, steps: spec.steps, before: before, after: after)
        }
    }

    private static func describe(_ b: Backend) -> String {
        switch b {
        case .local(let l):
            "\(l.name) (\(l.tier.rawValue), in process, context \(l.engine.contextLength), KV cache \(l.engine.kvBlockCount * l.engine.blockSize) tokens)"
        case .openai(let o):
            "\(o.name) (\(o.tier.rawValue), \(o.api == .anthropic ? "Anthropic API at " : "")\(o.baseURL))"
        }
    }
}
