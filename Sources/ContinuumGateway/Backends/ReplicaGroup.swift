import ContinuumEngine
public import ContinuumRouting
public import ContinuumTokenizers
import Foundation

/// The backends that serve one model name, and how a request picks one. Without a policy:
/// round-robin over those whose breaker lets a request through. With a replica policy
/// (ContinuumRouting): the policy decides among the healthy replicas, seeing the load the
/// group counts (requests in flight, prefill it expects queued) and, through `observe`, the
/// replicas' KV events. Either way only backends in the caller's tiers are considered, and
/// ones that just failed this request are avoided while others remain.
public final class ReplicaGroup: @unchecked Sendable {
    // `@unchecked Sendable`: `next`, `loads` and the policy are only touched under `lock`.
    public let model: String
    public let backends: [Backend]
    /// Tokenizes prompts for prefix-aware policies (nil: the policy sees only prompt-less requests).
    public let hasher: PromptHasher?
    private let policy: (any RoutingPolicy)?
    private let lock = NSLock()
    private var next = 0
    private var loads: [ReplicaLoad]
    private let started = ContinuousClock.now

    public init(model: String, backends: [Backend], policy: (any RoutingPolicy)? = nil, hasher: PromptHasher? = nil,
                prefillTokensPerSecond: Double = 1000) {
        precondition(!backends.isEmpty, "a served model needs a backend")
        self.model = model
        self.backends = backends
        self.policy = policy
        self.hasher = hasher
        routesByPrompt = policy.map { PolicyCatalog.usesPrompts($0.name) } ?? false
        loads = Array(repeating: ReplicaLoad(prefillTokensPerSecond: prefillTokensPerSecond), count: backends.count)
    }

    /// Whether the policy looks at prompts (then each request is tokenized and hashed).
    public let routesByPrompt: Bool

    /// The replicas' tokenizer, to read token-id prompts: the hasher's, or a local engine's.
    public var tokenizer: Tokenizer? {
        hasher?.tokenizer ?? backends.lazy.compactMap { if case .local(let l) = $0 { l.engine.tokenizer } else { nil } }.first
    }

    /// The replica policy's name, or "round-robin".
    public var policyName: String { lock.withLock { policy?.name ?? "round-robin" } }

    /// A chosen backend, why, and its claim on the replica's load.
    public struct Pick: Sendable {
        public let backend: Backend
        public let reason: String
        public let ticket: RouteTicket?

        init(backend: Backend, reason: String, ticket: RouteTicket? = nil) {
            self.backend = backend
            self.reason = reason
            self.ticket = ticket
        }
    }

    /// Picks a backend in `tiers` (nil: any) that can take a request, preferring ones not in
    /// `avoiding`. Nil when none can take it.
    public func pick(tiers: Set<Tier>? = nil, avoiding: Set<String> = [], request: RoutingRequest? = nil) -> Pick? {
        let allowed = backends.indices.filter { tiers?.contains(backends[$0].tier) ?? true }
        guard !allowed.isEmpty else { return nil }
        if allowed.count == 1 {
            let b = backends[allowed[0]]
            guard b.breaker.allowsRequest() else { return nil }
            return Pick(backend: b, reason: backends.count == 1 ? "only backend of model '\(model)'"
                                                                : "only backend of model '\(model)' in the key's tiers")
        }
        if policy != nil, let p = policyPick(allowed: allowed, avoiding: avoiding, request: request) { return p }
        return roundRobin(allowed: allowed, avoiding: avoiding)
    }

    private func policyPick(allowed: [Int], avoiding: Set<String>, request: RoutingRequest?) -> Pick? {
        let usable = Set(allowed.filter { backends[$0].breaker.isClosed && !avoiding.contains(backends[$0].name) })
        guard !usable.isEmpty, let policy else { return nil }
        let r = request ?? RoutingRequest(blockHashes: [], blockSize: hasher?.blockSize ?? 32, promptTokens: 0)
        return lock.withLock {
            var view = loads
            for i in view.indices { view[i].healthy = usable.contains(i) }
            let d = policy.route(r, replicas: view, now: seconds())
            let i = usable.contains(d.replica) ? d.replica : usable.min()!
            let pending = max(0, r.promptTokens - d.expectedCachedTokens)
            loads[i].outstanding += 1
            loads[i].pendingPrefillTokens += pending
            return Pick(backend: backends[i], reason: "\(policy.name): \(d.reason)",
                        ticket: RouteTicket(group: self, replica: i, pendingTokens: pending))
        }
    }

    private func roundRobin(allowed: [Int], avoiding: Set<String>) -> Pick? {
        let start = lock.withLock { () -> Int in
            defer { next &+= 1 }
            return next
        }
        let healthy = allowed.filter { backends[$0].breaker.isClosed }.count
        for preferFresh in [true, false] {
            for k in 0..<allowed.count {
                let i = allowed[(start + k) % allowed.count]
                let b = backends[i]
                if preferFresh && avoiding.contains(b.name) { continue }
                if b.breaker.allowsRequest() {
                    let why = b.breaker.isClosed ? "round-robin over \(healthy) healthy of \(allowed.count) replicas"
                                                 : "probe of an open circuit"
                    return Pick(backend: b, reason: why)
                }
            }
        }
        return nil
    }

    /// KV events and membership changes of replica `index`, for the policy.
    public func observe(_ event: RoutingEvent) {
        lock.withLock { policy?.observe(event, now: seconds()) }
    }

    /// The index of a backend in this group.
    public func index(of name: String) -> Int? { backends.firstIndex { $0.name == name } }

    /// The group's view of its replicas' load (for metrics and tests).
    public var replicaLoads: [ReplicaLoad] { lock.withLock { loads } }

    func release(_ t: RouteTicket, finishing: Bool) {
        lock.withLock {
            if !t.gotFirstToken {
                t.gotFirstToken = true
                loads[t.replica].pendingPrefillTokens -= t.pendingTokens
            }
            if finishing && !t.finished {
                t.finished = true
                loads[t.replica].outstanding -= 1
            }
        }
    }

    /// Whether some backend can take a request now (for `/ready`).
    public var isAvailable: Bool { backends.contains { $0.breaker.isClosed } }

    private func seconds() -> Double { (ContinuousClock.now - started).inSeconds }
}
