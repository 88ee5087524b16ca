/// The batch engine's decisions, apart from the model, the threads and the streams:
/// - admission: which waiting requests start, in arrival order, while sequences and blocks
///   allow (reusing cached full blocks of their prompt);
/// - step planning: what the next forward pass holds, one token per decoding sequence first,
///   then prompt chunks, within the token budget, with the block table and cache slot of
///   every position;
/// - preemption: when the cache runs out, the youngest running sequence gives its blocks
///   back (full ones stay cached) and waits at the front of the queue to be recomputed;
/// - release: a finished or cancelled sequence gives its blocks back.
///
/// A value type with no model, clock or lock (AsyncHTTPClient's connection-pool state
/// machine is the model): `BatchEngine` drives it under its lock and carries out the steps
/// it plans, and the tests drive it with tables.
package struct BatchScheduler: Sendable {
    package struct Limits: Sendable {
        /// Most tokens per forward pass (decode tokens + prefill chunks).
        package var maxBatchTokens: Int
        /// Most sequences running at once.
        package var maxSequences: Int
        /// Most requests waiting for admission.
        package var maxQueue: Int

        package init(maxBatchTokens: Int, maxSequences: Int, maxQueue: Int) {
            self.maxBatchTokens = maxBatchTokens
            self.maxSequences = maxSequences
            self.maxQueue = maxQueue
        }
    }

    /// What the scheduler knows of one request.
    package struct Sequence: Sendable {
        package let id: Int
        package let promptCount: Int
        /// Prompt then generated tokens. The last one may not be computed yet.
        package fileprivate(set) var tokens: [Int32]
        /// Tokens whose keys and values are in the cache (a prefix of `tokens`).
        package fileprivate(set) var computed = 0
        /// Block table: block i holds positions i·blockSize ..< (i+1)·blockSize.
        package fileprivate(set) var blocks: [Int32] = []
        /// Hashes of the full blocks so far (chain), for publishing and prefix reuse.
        package fileprivate(set) var blockHashes: [UInt64] = []
        /// Prompt tokens found in the cache when the request was first admitted.
        package fileprivate(set) var cachedPromptTokens = 0
        package fileprivate(set) var preemptions = 0

        /// Tokens still to compute before the next sample.
        package var pending: Int { tokens.count - computed }
    }

    package struct Counters: Sendable, Equatable {
        package var promptTokens = 0
        package var cachedPromptTokens = 0
        package var steps = 0
        package var preemptions = 0
    }

    package let limits: Limits
    package var blockSize: Int { blocks.blockSize }
    package private(set) var blocks: KVBlockManager
    /// In admission order; preempted sequences go back to the front.
    package private(set) var waiting: [Sequence] = []
    /// In admission order: the last one is the youngest, the first to be preempted.
    package private(set) var running: [Sequence] = []
    package private(set) var counters = Counters()
    private var nextID = 0

    package init(blockCount: Int, blockSize: Int, limits: Limits) {
        blocks = KVBlockManager(blockCount: blockCount, blockSize: max(1, blockSize))
        self.limits = limits
    }

    /// No sequence waiting or running.
    package var isEmpty: Bool { waiting.isEmpty && running.isEmpty }

    /// Queues a prompt and returns its id. `reserve`: generated tokens to make room for.
    /// Throws `.tooLargeForCache` when the prompt could never fit, `.queueFull` when
    /// `maxQueue` requests are already waiting.
    package mutating func enqueue(prompt: [Int32], reserve: Int = 0) throws(BatchEngineError) -> Int {
        guard (prompt.count + blockSize) / blockSize + 1 <= blocks.blockCount else {
            throw BatchEngineError(.tooLargeForCache, "\(prompt.count) prompt tokens need more than the \(blocks.blockCount) KV blocks")
        }
        guard waiting.count < limits.maxQueue else {
            throw BatchEngineError(.queueFull, "\(waiting.count) requests are waiting (limit \(limits.maxQueue))")
        }
        var s = Sequence(id: nextID, promptCount: prompt.count, tokens: prompt)
        s.tokens.reserveCapacity(prompt.count + min(max(0, reserve), 4096))
        nextID += 1
        waiting.append(s)
        return s.id
    }

    /// Removes the sequences in `ids`, waiting ones first, and releases their blocks.
    /// Returns them in that order.
    package mutating func cancel(_ ids: Set<Int>) -> [Sequence] {
        guard !ids.isEmpty else { return [] }
        var removed = waiting.filter { ids.contains($0.id) }
        waiting.removeAll { ids.contains($0.id) }
        for s in running where ids.contains(s.id) {
            blocks.release(s.blocks)
            removed.append(s)
        }
        running.removeAll { ids.contains($0.id) }
        return removed
    }

    /// Moves waiting sequences to running, in order, while `maxSequences` and the free
    /// blocks allow. A sequence starts with the cached full blocks of its prompt.
    package mutating func admit() {
        while let first = waiting.first, running.count < limits.maxSequences {
            // Reuse cached full blocks of the prompt, keeping at least one token to compute
            // (its logits start the generation).
            let hashes = KVBlockHash.chain(Array(first.tokens.prefix(first.tokens.count - 1)), blockSize: blockSize)
            let cachedBlocks = blocks.cachedPrefixLength(hashes)
            let needed = (first.tokens.count + blockSize - 1) / blockSize - cachedBlocks
            // Keep one block of headroom per running sequence so decoding rarely preempts.
            guard needed + running.count <= blocks.availableCount else { break }
            var s = waiting.removeFirst()
            s.blocks = blocks.acquirePrefix(Array(hashes.prefix(cachedBlocks)))
            s.blockHashes = Array(hashes.prefix(s.blocks.count))
            s.computed = s.blocks.count * blockSize
            if s.preemptions == 0 {
                s.cachedPromptTokens = s.computed
                counters.promptTokens += s.promptCount
                counters.cachedPromptTokens += s.computed
            }
            running.append(s)
        }
    }

    /// Lays out the next forward pass in `step` (its buffers are reused): one token per
    /// decoding sequence, then prompt chunks in admission order, within `maxBatchTokens`.
    /// Blocks are allocated as positions need them; when none are left the youngest other
    /// running sequence is preempted, and the plan starts over if it was already in it. A
    /// sequence that does not fit even alone leaves in `step.ended` (it ends with `.length`).
    package mutating func plan(into step: inout BatchStep) {
        step.ended.removeAll(keepingCapacity: true)
        repeat {
            lay(&step)
        } while step.entries.contains(where: { entry in !running.contains { $0.id == entry.id } })
    }

    private mutating func lay(_ step: inout BatchStep) {
        step.clearBatch()
        var budget = max(1, limits.maxBatchTokens)
        // Decoding sequences first (one token each), then prefill in admission order.
        let order = running.filter { $0.pending == 1 }.map(\.id) + running.filter { $0.pending > 1 }.map(\.id)
        for id in order where budget > 0 {
            guard let j = index(id) else { continue }  // preempted meanwhile
            let count = min(running[j].pending, budget)
            guard let i = ensureBlocks(id, upTo: running[j].computed + count, ended: &step.ended) else { continue }
            let s = running[i]
            let offset = Int32(step.tables.count)
            step.tables.append(contentsOf: s.blocks)
            for p in s.computed..<(s.computed + count) {
                step.tokens.append(s.tokens[p])
                step.positions.append(Int32(p))
                step.slots.append(s.blocks[p / blockSize] * Int32(blockSize) + Int32(p % blockSize))
                step.tableOffsets.append(offset)
            }
            let samples = s.computed + count == s.tokens.count
            if samples { step.logitRows.append(Int32(step.tokens.count - 1)) }
            step.entries.append(BatchStep.Entry(id: id, count: count, samples: samples))
            budget -= count
        }
    }

    /// Makes sure sequence `id` has blocks for positions < `end`, preempting the youngest
    /// other sequence while the cache is full. Returns its index in `running`, or nil if it
    /// was alone and still did not fit: then it is removed and added to `ended`.
    private mutating func ensureBlocks(_ id: Int, upTo end: Int, ended: inout [Sequence]) -> Int? {
        while let i = index(id), running[i].blocks.count * blockSize < end {
            if let b = blocks.allocate() {
                running[i].blocks.append(b)
            } else if let victim = running.lastIndex(where: { $0.id != id }) {
                preempt(at: victim)
            } else {
                let s = running.remove(at: i)
                blocks.release(s.blocks)
                ended.append(s)
                return nil
            }
        }
        return index(id)
    }

    /// Releases a running sequence's blocks (full ones stay cached) and puts it back at the
    /// front of the queue; it resumes by recomputing what is not cached.
    private mutating func preempt(at i: Int) {
        var s = running.remove(at: i)
        blocks.release(s.blocks)
        s.blocks.removeAll()
        s.blockHashes.removeAll()
        s.computed = 0
        s.preemptions += 1
        counters.preemptions += 1
        waiting.insert(s, at: 0)
    }

    /// Records that the model computed `step`: every planned position is now cached, and
    /// blocks that became full are published for reuse.
    package mutating func complete(_ step: BatchStep) {
        for entry in step.entries {
            guard let i = index(entry.id) else { continue }
            running[i].computed += entry.count
            publishFullBlocks(i)
        }
        counters.steps += 1
    }

    /// Adds a sampled token to a running sequence; the next step computes it.
    package mutating func append(_ token: Int32, to id: Int) {
        guard let i = index(id) else { return }
        running[i].tokens.append(token)
    }

    /// Removes a running sequence that ended and releases its blocks (full ones stay cached).
    @discardableResult
    package mutating func finish(_ id: Int) -> Sequence? {
        guard let i = index(id) else { return nil }
        let s = running.remove(at: i)
        blocks.release(s.blocks)
        return s
    }

    /// KV events (blocks stored and evicted) since the last call, oldest first.
    package mutating func drainEvents() -> [KVEvent] { blocks.drainEvents() }

    /// A sequence by id, waiting or running.
    package func sequence(_ id: Int) -> Sequence? {
        running.first { $0.id == id } ?? waiting.first { $0.id == id }
    }

    private func index(_ id: Int) -> Int? { running.firstIndex { $0.id == id } }

    /// Publishes blocks that became full so later prompts can reuse them.
    private mutating func publishFullBlocks(_ i: Int) {
        while (running[i].blockHashes.count + 1) * blockSize <= running[i].computed {
            let k = running[i].blockHashes.count
            let parent = k == 0 ? KVBlockHash.root : running[i].blockHashes[k - 1]
            let h = KVBlockHash.hash(parent: parent, tokens: running[i].tokens[(k * blockSize)..<((k + 1) * blockSize)])
            blocks.publish(running[i].blocks[k], hash: h, parent: parent)
            running[i].blockHashes.append(h)
        }
    }
}

/// One forward pass as `BatchScheduler.plan` laid it out: the flat batch the model reads
/// (`DecoderBatch`), and for each sequence in it how many of its tokens it holds and
/// whether its last row is sampled. Kept by the engine and refilled every step, so its
/// buffers are allocated once.
package struct BatchStep: Sendable {
    package struct Entry: Sendable, Equatable {
        package let id: Int
        /// Consecutive tokens of the sequence in this step, from its first uncomputed one.
        package let count: Int
        /// Whether the step computes the sequence's last token, whose logits are sampled.
        package let samples: Bool

        package init(id: Int, count: Int, samples: Bool) {
            self.id = id
            self.count = count
            self.samples = samples
        }
    }

    /// Per row (n = tokens.count): token, position, cache slot, offset of its block table.
    package var tokens: [Int32] = []
    package var positions: [Int32] = []
    package var slots: [Int32] = []
    package var tableOffsets: [Int32] = []
    /// The block tables of the sequences in the step, one after another.
    package var tables: [Int32] = []
    /// Rows whose logits are wanted, one per entry that samples, in entry order.
    package var logitRows: [Int32] = []
    package var entries: [Entry] = []
    /// Sequences removed because they do not fit in the cache even alone.
    package var ended: [BatchScheduler.Sequence] = []

    package init(rows: Int = 0, tables: Int = 0) {
        for a in [\BatchStep.tokens, \.positions, \.slots, \.tableOffsets, \.logitRows] {
            self[keyPath: a].reserveCapacity(rows)
        }
        self.tables.reserveCapacity(tables)
        entries.reserveCapacity(rows)
    }

    fileprivate mutating func clearBatch() {
        tokens.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        tableOffsets.removeAll(keepingCapacity: true)
        tables.removeAll(keepingCapacity: true)
        logitRows.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }
}
