public import ContinuumRouting

/// A deterministic discrete-event simulation of a trace served by `replicas` identical
/// engines behind one router. The router sees what a gateway sees: per replica, requests in
/// flight, its own estimate of prefill still queued there (prompt tokens minus what the
/// policy expected cached, until the first token comes back), the profile's prefill rate,
/// and the replicas' KV events (delivered at once). Same trace, policy and seed → same result.
public struct Simulator {
    public struct Configuration: Sendable {
        public var replicas: Int
        public var profile: EngineProfile
        /// Arrival times are divided by this: 2 replays the trace at twice its rate.
        public var loadFactor: Double
        /// Round trip in seconds of the link from the router to each replica (replica k uses
        /// element k modulo the count; empty: replicas reached at once). A request reaches its
        /// replica half a round trip after it was routed, and its tokens reach the client half
        /// a round trip after they were made; connections are kept alive, so no handshake.
        public var linkRoundTrips: [Double]

        public init(replicas: Int, profile: EngineProfile, loadFactor: Double = 1, linkRoundTrips: [Double] = []) {
            self.replicas = replicas
            self.profile = profile
            self.loadFactor = loadFactor
            self.linkRoundTrips = linkRoundTrips
        }

        /// One-way delay to replica `k`.
        func oneWay(_ k: Int) -> Double { linkRoundTrips.isEmpty ? 0 : linkRoundTrips[k % linkRoundTrips.count] / 2 }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        precondition(configuration.replicas >= 1 && configuration.loadFactor > 0 && configuration.linkRoundTrips.allSatisfy { $0 >= 0 })
        self.configuration = configuration
    }

    public func run(_ trace: [TraceRequest], policy: any RoutingPolicy) -> SimulationResult {
        let c = configuration
        let blockSize = trace.first?.blockSize ?? 512
        let replicas = (0..<c.replicas).map { SimulatedReplica(id: $0, profile: c.profile, blockSize: blockSize) }
        var loads = Array(repeating: ReplicaLoad(prefillTokensPerSecond: c.profile.prefillTokensPerSecond), count: c.replicas)
        var expectedUncached = [Int](repeating: 0, count: trace.count)
        var contexts = [Int](repeating: 0, count: c.replicas)  // prompt tokens of requests in flight per replica
        var outcomes = [RequestOutcome?](repeating: nil, count: trace.count)
        var routedAt = [Double](repeating: 0, count: trace.count)  // when the client sent it (TTFTs count from here)
        var queue = EventQueue()
        for (i, r) in trace.enumerated() { queue.push(r.arrival / c.loadFactor, .arrival(i)) }
        for r in 0..<c.replicas { policy.observe(.subscribed(replica: r), now: 0) }

        func deliverEvents(_ replica: SimulatedReplica, now: Double) {
            for e in replica.drainEvents() { policy.observe(e, now: now) }
        }
        func kick(_ replica: SimulatedReplica, now: Double) {
            guard !replica.stepping else { return }
            let d = replica.startStep(now: now)
            deliverEvents(replica, now: now)
            let k = replica.id
            for s in replica.drainRejected() {
                outcomes[s.request] = RequestOutcome(arrival: routedAt[s.request], firstToken: nil, finish: nil, replica: k,
                                                     promptTokens: s.prompt, cachedTokens: 0, outputTokens: 0)
                loads[k].outstanding -= 1
                loads[k].pendingPrefillTokens -= expectedUncached[s.request]
                contexts[k] -= s.prompt
            }
            if let d { queue.push(now + d, .stepEnd(k)) }
        }

        while let (now, event) = queue.pop() {
            switch event {
            case .arrival(let i):
                let r = trace[i]
                for k in 0..<c.replicas {
                    let perSequence = c.profile.linearPerTokenMs
                        + c.profile.decodeAttentionPerKVTokenMs * Double(loads[k].outstanding == 0 ? 0 : contexts[k] / loads[k].outstanding)
                    loads[k].decodeSecondsPerSequence = perSequence / 1000
                }
                let d = policy.route(RoutingRequest(blockHashes: r.blockHashes, blockSize: r.blockSize, promptTokens: r.promptTokens),
                                     replicas: loads, now: now)
                let k = d.replica
                expectedUncached[i] = max(0, r.promptTokens - d.expectedCachedTokens)
                loads[k].outstanding += 1
                loads[k].pendingPrefillTokens += expectedUncached[i]
                contexts[k] += r.promptTokens
                routedAt[i] = now
                let link = c.oneWay(k)
                if link > 0 {
                    queue.push(now + link, .reachReplica(i, k))
                } else {
                    replicas[k].enqueue(.init(request: i, arrival: now, trace: r))
                    kick(replicas[k], now: now)
                }
            case .reachReplica(let i, let k):
                replicas[k].enqueue(.init(request: i, arrival: now, trace: trace[i]))
                kick(replicas[k], now: now)
            case .stepEnd(let k):
                let replica = replicas[k]
                let (first, finished) = replica.finishStep(now: now)
                deliverEvents(replica, now: now)
                for s in first { loads[k].pendingPrefillTokens -= expectedUncached[s.request] }
                for s in finished {
                    loads[k].outstanding -= 1
                    contexts[k] -= s.prompt
                    let back = c.oneWay(k)
                    outcomes[s.request] = RequestOutcome(
                        arrival: routedAt[s.request], firstToken: s.firstToken.map { $0 + back }, finish: now + back, replica: k, promptTokens: s.prompt,
                        cachedTokens: min(s.cachedBlocks * blockSize, s.prompt), outputTokens: s.generated)
                }
                kick(replica, now: now)
            }
        }
        return SimulationResult(policy: policy.name, loadFactor: c.loadFactor, outcomes: outcomes.map { $0! },
                                replicaBusySeconds: replicas.map(\.busyTime))
    }
}

/// A min-heap of timed events; equal times pop in push order (determinism).
struct EventQueue {
    enum Event { case arrival(Int), reachReplica(Int, Int), stepEnd(Int) }
    private var heap: [(time: Double, order: Int, event: Event)] = []
    private var pushed = 0

    mutating func push(_ time: Double, _ event: Event) {
        heap.append((time, pushed, event))
        pushed += 1
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (Double, Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return (top.time, top.event)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (heap[a].time, heap[a].order) < (heap[b].time, heap[b].order)
    }
}
