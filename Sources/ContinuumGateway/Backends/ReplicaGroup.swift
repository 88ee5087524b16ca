import Foundation

/// The backends that serve one model name. Picks round-robin among those whose breaker
/// lets a request through, in the tiers the caller may use. (Smarter routing among
/// replicas is ContinuumRouting's job.)
public final class ReplicaGroup: @unchecked Sendable {
    // `@unchecked Sendable`: `next` is only touched under `lock`; the rest is immutable.
    public let model: String
    public let backends: [Backend]
    private let lock = NSLock()
    private var next = 0

    public init(model: String, backends: [Backend]) {
        precondition(!backends.isEmpty, "a served model needs a backend")
        self.model = model
        self.backends = backends
    }

    /// A chosen backend and why, for `x-continuum-route` and the ledger.
    public struct Pick: Sendable {
        public let backend: Backend
        public let reason: String
    }

    /// The next backend in `tiers` (nil: any) whose breaker allows a request, preferring
    /// ones not in `avoiding` (those that just failed this request). Nil when none can take it.
    public func pick(tiers: Set<Tier>? = nil, avoiding: Set<String> = []) -> Pick? {
        let allowed = backends.indices.filter { tiers?.contains(backends[$0].tier) ?? true }
        guard !allowed.isEmpty else { return nil }
        if allowed.count == 1 {
            let b = backends[allowed[0]]
            guard b.breaker.allowsRequest() else { return nil }
            return Pick(backend: b, reason: backends.count == 1 ? "only backend of model '\(model)'"
                                                                : "only backend of model '\(model)' in the key's tiers")
        }
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

    /// Whether some backend can take a request now (for `/ready`).
    public var isAvailable: Bool { backends.contains { $0.breaker.isClosed } }
}
