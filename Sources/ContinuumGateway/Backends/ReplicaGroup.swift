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

    /// Served models that take this model's requests, in order, when none of its replicas can.
    public let fallbacks: [String]

    /// `backends` must not be empty (the config parser refuses a model without one).
    public init(model: String, backends: [Backend], policy: (any RoutingPolicy)? = nil, hasher: PromptHasher? = nil,
                prefillTokensPerSecond: Double = 1000, fallbacks: [String] = []) {
        self.model = model
        self.backends = backends
        self.fallbacks = fallbacks
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

    /// A chosen backend, why, and its claim on the replica's load (released when the
    /// request finishes, or when the ticket is dropped).
    public struct Pick: Sendable {
        public let backend: Backend
        public let reason: RouteReason
        /// The policy that chose ("only" when there was no choice).
        public let policy: String
        public let ticket: RouteTicket
    }

    /// Picks a backend in `tiers` (nil: any) that can take a request, preferring ones not in
    /// `avoiding`. Nil when none can take it.
    public func pick(tiers: Set<Tier>? = nil, avoiding: Set<String> = [], request: RoutingRequest? = nil) -> Pick? {
        pick(allowed: backends.indices.filter { tiers?.contains(backends[$0].tier) ?? true }, avoiding: avoiding, request: request)
    }

    /// Picks among the backends named (the route decision's target), as `pick(tiers:)` does.
    public func pick(named names: [String], avoiding: Set<String> = [], request: RoutingRequest? = nil) -> Pick? {
        let wanted = Set(names)
        return pick(allowed: backends.indices.filter { wanted.contains(backends[$0].name) }, avoiding: avoiding, request: request)
    }

    private func pick(allowed: [Int], avoiding: Set<String>, request: RoutingRequest?) -> Pick? {
        guard !allowed.isEmpty else { return nil }
        if allowed.count == 1 {
            let b = backends[allowed[0]]
            guard b.breaker.allowsRequest() else { return nil }
            return claim(allowed[0], reason: .onlyBackend(model: model, narrowed: backends.count > 1), policy: "only", pending: 0)
        }
        if policy != nil, let p = policyPick(allowed: allowed, avoiding: avoiding, request: request) { return p }
        return roundRobin(allowed: allowed, avoiding: avoiding)
    }

    /// Counts a request on replica `i` and hands out its ticket.
    private func claim(_ i: Int, reason: RouteReason, policy: String, pending: Int) -> Pick {
        lock.withLock { claimLocked(i, reason: reason, policy: policy, pending: pending) }
    }

    /// `claim` with `lock` held: a policy's choice and the load it adds are one step, so a
    /// concurrent request sees the load of this one.
    private func claimLocked(_ i: Int, reason: RouteReason, policy: String, pending: Int) -> Pick {
        loads[i].outstanding += 1
        loads[i].pendingPrefillTokens += pending
        return Pick(backend: backends[i], reason: reason, policy: policy, ticket: RouteTicket(group: self, replica: i, pendingTokens: pending))
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
            return claimLocked(i, reason: .policy(name: policy.name, detail: d.reason), policy: policy.name,
                               pending: max(0, r.promptTokens - d.expectedCachedTokens))
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
                    let why = b.breaker.isClosed ? "over \(healthy) healthy of \(allowed.count) replicas" : "probe of an open circuit"
                    return claim(i, reason: .policy(name: "round-robin", detail: why), policy: "round-robin", pending: 0)
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
