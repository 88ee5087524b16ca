import ContinuumRouting

/// One simulated engine: a paged KV cache shared by content (blocks of the trace's block
/// size, LRU eviction of blocks no running sequence uses), FCFS admission bounded by KV
/// capacity and `maxSequences`, and continuous batching with chunked prefill: every
/// forward pass decodes one token for each decoding sequence and fills the rest of its
/// token budget with prefill chunks, in admission order. Publishes the blocks it stores and
/// evicts, as `continuum serve` does at /v1/kv-events.
final class SimulatedReplica {
    final class Sequence {
        let request: Int
        let arrival: Double
        let prompt: Int
        let output: Int
        let hashes: [UInt64]
        let fullBlocks: Int
        var cachedBlocks = 0
        var computed = 0
        var generated = 0
        var privateBlocks = 0
        var pinned = 0  // leading shared blocks this sequence holds a reference to
        var firstToken: Double?

        init(request: Int, arrival: Double, trace r: TraceRequest) {
            self.request = request
            self.arrival = arrival
            prompt = r.promptTokens
            output = r.outputTokens
            hashes = r.blockHashes
            fullBlocks = min(r.blockHashes.count, r.promptTokens / r.blockSize)
        }
    }

    let id: Int
    let profile: EngineProfile
    let blockSize: Int
    let capacity: Int
    private var refs: [UInt64: Int] = [:]
    private var idle: LRUMap<UInt64, Void>
    private var privateBlocks = 0
    private var waiting: [Sequence] = []
    private var waitingHead = 0
    private(set) var running: [Sequence] = []
    private(set) var busyTime = 0.0
    private(set) var stepping = false
    private var plan: (chunks: [(Sequence, Int)], decoders: [Sequence], seconds: Double)?
    /// Events since the last `drainEvents()`.
    private var events: [RoutingEvent] = []
    private var rejected: [Sequence] = []

    /// Sequences refused since the last call: they can never fit in this replica's KV cache.
    func drainRejected() -> [Sequence] {
        defer { rejected = [] }
        return rejected
    }

    init(id: Int, profile: EngineProfile, blockSize: Int) {
        self.id = id
        self.profile = profile
        self.blockSize = blockSize
        capacity = max(1, profile.kvCapacityTokens / blockSize)
        idle = LRUMap(capacity: Int.max / 2)
    }

    var usedBlocks: Int { refs.count + idle.count + privateBlocks }
    var hasWork: Bool { !running.isEmpty || waitingHead < waiting.count }

    func enqueue(_ s: Sequence) { waiting.append(s) }

    func drainEvents() -> [RoutingEvent] {
        defer { events = [] }
        return events
    }

    /// Admits what fits and plans the next forward pass; returns its duration, or nil when idle.
    func startStep(now: Double) -> Double? {
        admit(now: now)
        guard !running.isEmpty else { stepping = false; return nil }
        var budget = profile.maxBatchTokens
        let decoders = running.filter { $0.computed == $0.prompt }
        budget -= decoders.count
        var chunks: [(Sequence, Int)] = []
        for s in running where s.computed < s.prompt && budget > 0 {
            let c = min(s.prompt - s.computed, budget)
            chunks.append((s, c))
            budget -= c
        }
        let seconds = profile.stepSeconds(prefill: chunks.map { ($0.1, $0.0.computed) },
                                          decodeContexts: decoders.map { $0.prompt + $0.generated })
        plan = (chunks, decoders, seconds)
        stepping = true
        return seconds
    }

    /// Applies the planned pass at its end; returns sequences that got their first token and
    /// those that finished.
    func finishStep(now: Double) -> (first: [Sequence], finished: [Sequence]) {
        guard let p = plan else { return ([], []) }
        plan = nil
        stepping = false
        busyTime += p.seconds
        var first: [Sequence] = []
        var finished: [Sequence] = []
        for s in p.decoders {
            s.generated += 1
            if s.generated >= s.output { finished.append(s) }
        }
        for (s, c) in p.chunks {
            s.computed += c
            if s.computed == s.prompt {
                s.firstToken = now
                s.generated = 1
                store(s, now: now)
                first.append(s)
                if s.generated >= s.output { finished.append(s) }
            }
        }
        for s in finished { release(s, now: now) }
        if !finished.isEmpty {
            let done = Set(finished.map(\.request))
            running.removeAll { done.contains($0.request) }
        }
        return (first, finished)
    }

    // MARK: KV cache

    private func admit(now: Double) {
        while waitingHead < waiting.count, running.count < profile.maxSequences {
            let s = waiting[waitingHead]
            let total = (s.prompt + s.output + blockSize - 1) / blockSize
            if total > capacity {
                rejected.append(s)  // can never fit in this replica's KV cache
                waitingHead += 1
                continue
            }
            var k = 0
            while k < s.fullBlocks, refs[s.hashes[k]] != nil || idle[s.hashes[k]] != nil { k += 1 }
            let reusedIdle = (0..<k).filter { idle[s.hashes[$0]] != nil }.count
            let fresh = total - k
            let free = capacity - usedBlocks
            guard fresh <= free + idle.count - reusedIdle else { break }  // FCFS: wait for blocks
            for i in 0..<k {
                let h = s.hashes[i]
                if idle.remove(h) != nil { refs[h] = 1 } else { refs[h, default: 0] += 1 }
            }
            var evicted: [UInt64] = []
            while capacity - usedBlocks < fresh, let old = idle.oldestEntry {
                idle.remove(old.key)
                evicted.append(old.key)
            }
            if !evicted.isEmpty { events.append(.evicted(replica: id, hashes: evicted)) }
            privateBlocks += fresh
            s.privateBlocks = fresh
            s.cachedBlocks = k
            s.pinned = k
            s.computed = min(k * blockSize, s.prompt - 1)
            running.append(s)
            waitingHead += 1
        }
        if waitingHead > 1024 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    /// The prompt's full blocks become shared (and reusable) once computed.
    private func store(_ s: Sequence, now: Double) {
        var stored: [UInt64] = []
        for i in s.pinned..<s.fullBlocks {
            let h = s.hashes[i]
            if idle.remove(h) != nil {
                refs[h] = 1
            } else if refs[h] != nil {
                refs[h]! += 1
            } else {
                refs[h] = 1
                stored.append(h)
            }
            privateBlocks -= 1
            s.privateBlocks -= 1
        }
        s.pinned = s.fullBlocks
        if !stored.isEmpty { events.append(.stored(replica: id, hashes: stored)) }
    }

    private func release(_ s: Sequence, now: Double) {
        for i in 0..<s.pinned {
            let h = s.hashes[i]
            guard let n = refs[h] else { continue }
            if n <= 1 {
                refs[h] = nil
                idle.put(h, (), stamp: now)
            } else {
                refs[h] = n - 1
            }
        }
        s.pinned = 0
        privateBlocks -= s.privateBlocks
        s.privateBlocks = 0
    }
}
