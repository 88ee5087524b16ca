public import ContinuumGGUF
import ContinuumKernels
public import ContinuumModels
public import ContinuumTokenizers
import Foundation

/// Serves many requests at once on one model (continuous batching): every step runs one
/// forward pass over the next token of every decoding sequence plus prompt chunks of the
/// sequences still prefilling, within a token budget. Keys and values live in a paged cache
/// whose full blocks are shared across requests by content hash (a second request with the
/// same prefix skips its prefill) and evicted least recently used. When the cache runs out,
/// the youngest sequence is preempted: its blocks are released (full ones stay cached) and
/// it is recomputed when blocks free up, so long requests never deadlock the engine.
///
/// The model is loaded as `Engine` loads it (`LoadedModel`) and tokens become text as they
/// do there (`SequenceOutput`).
///
/// `@unchecked Sendable`: all mutable state is behind `lock`; the model, storage and
/// scratch are used only by the step thread.
public final class BatchEngine: @unchecked Sendable {
    public struct Options: Sendable {
        public var modelPath: String
        public var threads: Int
        /// Longest sequence (prompt + generation) in tokens; nil → the model's, at most 4096.
        public var contextLength: Int?
        /// Tokens per KV block (the unit of prefix sharing).
        public var blockSize: Int
        /// Memory for the KV cache; nil → room for `maxSequences` full contexts, at most 1 GiB.
        public var kvCacheBytes: Int?
        /// Most tokens per forward pass (decode tokens + prefill chunks).
        public var maxBatchTokens: Int
        /// Most sequences decoding at once.
        public var maxSequences: Int
        /// Most requests waiting for admission; beyond it `submit` throws `.queueFull`.
        public var maxQueue: Int
        public var template: ChatTemplate.Kind?

        public init(modelPath: String, threads: Int = Engine.defaultThreadCount, contextLength: Int? = nil,
                    blockSize: Int = 32, kvCacheBytes: Int? = nil, maxBatchTokens: Int = 512, maxSequences: Int = 16,
                    maxQueue: Int = 256, template: ChatTemplate.Kind? = nil) {
            self.modelPath = modelPath
            self.threads = threads
            self.contextLength = contextLength
            self.blockSize = blockSize
            self.kvCacheBytes = kvCacheBytes
            self.maxBatchTokens = maxBatchTokens
            self.maxSequences = maxSequences
            self.maxQueue = maxQueue
            self.template = template
        }
    }

    /// A snapshot for metrics and health.
    public struct Stats: Sendable {
        public var waiting: Int
        public var running: Int
        public var blocksUsed: Int
        public var blocksCached: Int
        public var blockCount: Int
        public var promptTokens: Int
        public var cachedPromptTokens: Int
        public var steps: Int
        public var preemptions: Int
    }

    public var gguf: GGUFFile { loaded.gguf }
    public var tokenizer: Tokenizer { loaded.tokenizer }
    public var contextLength: Int { loaded.contextLength }
    public let blockSize: Int
    public let options: Options
    private let loaded: LoadedModel
    private let model: TransformerDecoder
    private let storage: PagedKVStorage

    private let lock = NSCondition()
    private var blocks: KVBlockManager
    private var waiting: [BatchSequence] = []
    private var running: [BatchSequence] = []
    private var nextID = 0
    private var stopping = false
    private var stopped = false
    private var counters = (promptTokens: 0, cachedPromptTokens: 0, steps: 0, preemptions: 0)
    /// KV event subscribers, under `subscriberLock` (their termination handlers may run
    /// inside `lock`).
    private let subscriberLock = NSLock()
    private var subscribers: [Int: AsyncStream<KVEvent>.Continuation] = [:]
    private var nextSubscriber = 0
    private var thread: Thread?

    // Step buffers, reused every step (touched only by the step thread).
    private var stepTokens: [Int32] = []
    private var stepPositions: [Int32] = []
    private var stepSlots: [Int32] = []
    private var stepTableOffsets: [Int32] = []
    private var stepTables: [Int32] = []
    private var stepLogitRows: [Int32] = []
    private let logits: UnsafeMutablePointer<Float>

    public init(_ options: Options) throws {
        self.options = options
        loaded = try LoadedModel(path: options.modelPath, threads: options.threads,
                                 maxBatch: max(max(1, options.maxBatchTokens), options.maxSequences),
                                 contextLength: options.contextLength, template: options.template)
        model = loaded.model
        let c = model.configuration
        let contextLength = loaded.contextLength
        blockSize = max(1, options.blockSize)
        let perToken = 2 * c.layerCount * c.kvDimension * MemoryLayout<Float>.stride
        let bytes = options.kvCacheBytes ?? min(1 << 30, options.maxSequences * contextLength * perToken)
        let blockCount = PagedKVStorage.blocks(fitting: bytes, configuration: c, blockSize: blockSize)
        storage = PagedKVStorage(configuration: c, blockSize: blockSize, blockCount: blockCount)
        blocks = KVBlockManager(blockCount: blockCount, blockSize: blockSize)
        let rows = model.maxBatch
        logits = .allocate(capacity: rows * c.vocabularySize)
        for a in [\BatchEngine.stepTokens, \.stepPositions, \.stepSlots, \.stepTableOffsets, \.stepLogitRows] {
            self[keyPath: a].reserveCapacity(rows)
        }
        stepTables.reserveCapacity(options.maxSequences * (contextLength / blockSize + 2))
        // The thread holds the engine only for one step at a time, so dropping the last
        // reference ends the loop (within half a second when idle) and frees the engine.
        let t = Thread { [weak self] in
            while let engine = self, engine.iterate() {}
        }
        t.name = "continuum-batch"
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    deinit {
        for s in waiting + running {
            s.continuation.finish(throwing: BatchEngineError(.shuttingDown, "the engine was released"))
        }
        logits.deallocate()
    }

    public var configuration: DecoderConfiguration { model.configuration }
    public func chatTemplate() throws -> ChatTemplate { try loaded.template.get() }
    public var kvBlockCount: Int { storage.blockCount }

    public func chatPrompt(_ messages: [ChatMessage]) throws -> [Int32] { try loaded.chatPrompt(messages) }

    public var stats: Stats {
        lock.withLock {
            Stats(waiting: waiting.count, running: running.count, blocksUsed: blocks.usedCount,
                  blocksCached: blocks.cachedCount, blockCount: blocks.blockCount, promptTokens: counters.promptTokens,
                  cachedPromptTokens: counters.cachedPromptTokens, steps: counters.steps, preemptions: counters.preemptions)
        }
    }

    /// Queues a generation. Tokens stream as they are sampled; ending the iteration cancels
    /// the request and frees its blocks within one step. Throws at once when the queue is
    /// full, the prompt cannot fit, or the parameters are invalid.
    public func submit(prompt: [Int32], parameters: SamplingParameters) throws -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let params = try parameters.validated()
        guard !prompt.isEmpty else { throw BatchEngineError(.emptyPrompt, "the prompt has no tokens") }
        let vocab = tokenizer.vocabularySize
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw BatchEngineError(.invalidToken, "token \(bad) is outside 0..<\(vocab)")
        }
        guard prompt.count < contextLength else {
            throw BatchEngineError(.promptTooLong, "\(prompt.count) prompt tokens; the context holds \(contextLength)")
        }
        guard (prompt.count + blockSize) / blockSize + 1 <= storage.blockCount else {
            throw BatchEngineError(.tooLargeForCache, "\(prompt.count) prompt tokens need more than the \(storage.blockCount) KV blocks")
        }
        let sampler = try Sampler(parameters: params, vocabularySize: vocab)
        sampler.accept(contentsOf: prompt)
        let output = SequenceOutput(tokenizer: tokenizer, stop: params.stop,
                                    limit: SequenceOutput.limit(promptCount: prompt.count, maxTokens: params.maxTokens,
                                                                contextLength: contextLength))
        let (stream, continuation) = AsyncThrowingStream<GenerationUpdate, any Error>.makeStream(bufferingPolicy: .unbounded)
        try lock.withLock {
            guard !stopping else { throw BatchEngineError(.shuttingDown, "not accepting new requests") }
            guard waiting.count < options.maxQueue else {
                throw BatchEngineError(.queueFull, "\(waiting.count) requests are waiting (limit \(options.maxQueue))")
            }
            let seq = BatchSequence(id: nextID, prompt: prompt, sampler: sampler, output: output,
                                    continuation: continuation, now: .now)
            nextID += 1
            // May run on any thread, also inside `lock` (when the engine finishes the
            // stream), so it takes no lock of the engine's.
            continuation.onTermination = { [weak self, weak seq] _ in
                seq?.cancelled = true
                self?.lock.signal()
            }
            waiting.append(seq)
            lock.signal()
        }
        return stream
    }

    /// KV events (blocks stored and evicted) from now on. Slow subscribers lose the oldest
    /// events beyond `buffer` rather than slowing the engine.
    public func kvEvents(buffer: Int = 4096) -> AsyncStream<KVEvent> {
        let (stream, continuation) = AsyncStream<KVEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        subscriberLock.withLock {
            let id = nextSubscriber
            nextSubscriber += 1
            subscribers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                self.subscriberLock.withLock { _ = self.subscribers.removeValue(forKey: id) }
            }
        }
        return stream
    }

    /// Stops admitting requests, lets running and queued ones finish, then ends the step
    /// loop. Returns when the loop has ended or `deadline` passed (remaining requests are then
    /// cancelled).
    public func shutdown(deadline: Duration = .seconds(30)) async {
        lock.withLock {
            stopping = true
            lock.signal()
        }
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if lock.withLock({ stopped }) { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
        lock.withLock {
            for s in waiting + running { s.cancelled = true }
            lock.signal()
        }
        while !lock.withLock({ stopped }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    // MARK: The step loop

    /// One turn of the step loop; false once the engine has stopped.
    private func iterate() -> Bool {
        lock.lock()
        if waiting.isEmpty && running.isEmpty && !stopping {
            // Idle: sleep until work arrives, waking now and then so that a released engine
            // is noticed.
            _ = lock.wait(until: Date().addingTimeInterval(0.5))
            if waiting.isEmpty && running.isEmpty && !stopping {
                lock.unlock()
                return true
            }
        }
        if stopping && waiting.isEmpty && running.isEmpty {
            stopped = true
            lock.unlock()
            let subs = subscriberLock.withLock { () -> [AsyncStream<KVEvent>.Continuation] in
                defer { subscribers.removeAll() }
                return Array(subscribers.values)
            }
            for c in subs { c.finish() }
            return false
        }
        reapCancelled()
        admit()
        let planned = plan()
        lock.unlock()

        if planned > 0 {
            runStep()
            lock.lock()
            afterStep()
            counters.steps += 1
            publishEvents()
            lock.unlock()
        }
        return true
    }

    /// Ends cancelled sequences (client gone) and frees their blocks. Under the lock.
    private func reapCancelled() {
        for s in waiting where s.cancelled { finish(s, .cancelled) }
        waiting.removeAll { $0.cancelled }
        for s in running where s.cancelled {
            blocks.release(s.blocks)
            s.blocks.removeAll()
            finish(s, .cancelled)
        }
        running.removeAll { $0.cancelled }
    }

    /// Moves waiting sequences to running while sequences and blocks allow. Under the lock.
    private func admit() {
        while let s = waiting.first, running.count < options.maxSequences {
            // Reuse cached full blocks of the prompt, keeping at least one token to compute
            // (its logits start the generation).
            let hashes = KVBlockHash.chain(Array(s.tokens.prefix(s.tokens.count - 1)), blockSize: blockSize)
            let cachedBlocks = blocks.cachedPrefixLength(hashes)
            let needed = (s.tokens.count + blockSize - 1) / blockSize - cachedBlocks
            // Keep one block of headroom per running sequence so decoding rarely preempts.
            guard needed + running.count <= blocks.availableCount else { break }
            waiting.removeFirst()
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

    /// Lays out the next step: one token per decoding sequence, then prompt chunks, within
    /// the token budget; allocates blocks as positions need them, preempting the youngest
    /// sequence when none are left. Returns the number of tokens planned. Under the lock.
    private func plan() -> Int {
        stepTokens.removeAll(keepingCapacity: true)
        stepPositions.removeAll(keepingCapacity: true)
        stepSlots.removeAll(keepingCapacity: true)
        stepTableOffsets.removeAll(keepingCapacity: true)
        stepTables.removeAll(keepingCapacity: true)
        stepLogitRows.removeAll(keepingCapacity: true)
        stepPlan.removeAll(keepingCapacity: true)
        var budget = max(1, options.maxBatchTokens)
        // Decoding sequences first (one token each), then prefill in arrival order.
        let order = running.filter { $0.pending == 1 } + running.filter { $0.pending > 1 }
        for s in order where budget > 0 {
            guard running.contains(where: { $0 === s }) else { continue }  // preempted meanwhile
            let count = min(s.pending, budget)
            guard ensureBlocks(s, upTo: s.computed + count) else { continue }
            let offset = Int32(stepTables.count)
            stepTables.append(contentsOf: s.blocks)
            for p in s.computed..<(s.computed + count) {
                stepTokens.append(s.tokens[p])
                stepPositions.append(Int32(p))
                stepSlots.append(s.blocks[p / blockSize] * Int32(blockSize) + Int32(p % blockSize))
                stepTableOffsets.append(offset)
            }
            let samples = s.computed + count == s.tokens.count
            if samples { stepLogitRows.append(Int32(stepTokens.count - 1)) }
            stepPlan.append((s, count, samples))
            budget -= count
        }
        // A sequence preempted after it was planned must not run: drop the whole plan entry.
        if stepPlan.contains(where: { entry in !running.contains { $0 === entry.seq } }) {
            return plan()
        }
        return stepTokens.count
    }

    private var stepPlan: [(seq: BatchSequence, count: Int, samples: Bool)] = []

    /// Makes sure `s` has blocks for positions < `end`, preempting the youngest other
    /// sequence while the cache is full. False if `s` cannot run (it was alone and still did
    /// not fit: it ends with `.length`). Under the lock.
    private func ensureBlocks(_ s: BatchSequence, upTo end: Int) -> Bool {
        while s.blocks.count * blockSize < end {
            if let b = blocks.allocate() {
                s.blocks.append(b)
            } else if let victim = running.last(where: { $0 !== s }) {
                preempt(victim)
            } else {
                finish(s, .length)
                blocks.release(s.blocks)
                s.blocks.removeAll()
                running.removeAll { $0 === s }
                return false
            }
        }
        return true
    }

    /// Releases a running sequence's blocks (full ones stay cached) and puts it back at the
    /// front of the queue; it resumes by recomputing what is not cached. Under the lock.
    private func preempt(_ s: BatchSequence) {
        blocks.release(s.blocks)
        s.blocks.removeAll()
        s.blockHashes.removeAll()
        s.computed = 0
        s.preemptions += 1
        counters.preemptions += 1
        running.removeAll { $0 === s }
        waiting.insert(s, at: 0)
    }

    /// One forward pass over the planned batch. Step thread only, outside the lock.
    private func runStep() {
        stepTokens.withUnsafeBufferPointer { t in
            stepPositions.withUnsafeBufferPointer { p in
                stepSlots.withUnsafeBufferPointer { sl in
                    stepTableOffsets.withUnsafeBufferPointer { o in
                        stepTables.withUnsafeBufferPointer { tb in
                            stepLogitRows.withUnsafeBufferPointer { lr in
                                let batch = DecoderBatch(tokens: t, positions: p.baseAddress!, slots: sl.baseAddress!,
                                                         tableOffsets: o.baseAddress!, tables: tb.baseAddress!, logitRows: lr)
                                model.forward(batch: batch, storage: storage, logits: logits)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Samples, streams and retires after a step. Under the lock.
    private func afterStep() {
        let vocab = model.configuration.vocabularySize
        var logitIndex = 0
        for (s, count, samples) in stepPlan {
            s.computed += count
            publishFullBlocks(s)
            guard samples else { continue }
            let row = logits + logitIndex * vocab
            logitIndex += 1
            if s.cancelled { continue }  // reaped next step
            let sampled = s.sampler.sample(logits: row)
            s.sampler.accept(sampled.id)
            if s.firstToken == nil { s.firstToken = .now }
            let text = s.output.append(sampled.id)
            s.continuation.yield(.token(GenerationEvent(token: sampled, text: text)))
            if let reason = s.output.finishReason {
                finish(s, reason)
                blocks.release(s.blocks)
                s.blocks.removeAll()
                running.removeAll { $0 === s }
                continue
            }
            s.tokens.append(sampled.id)
        }
        stepPlan.removeAll(keepingCapacity: true)
    }

    /// Publishes blocks that became full so later prompts can reuse them. Under the lock.
    private func publishFullBlocks(_ s: BatchSequence) {
        while (s.blockHashes.count + 1) * blockSize <= s.computed {
            let i = s.blockHashes.count
            let parent = i == 0 ? KVBlockHash.root : s.blockHashes[i - 1]
            let h = KVBlockHash.hash(parent: parent, tokens: s.tokens[(i * blockSize)..<((i + 1) * blockSize)])
            blocks.publish(s.blocks[i], hash: h, parent: parent)
            s.blockHashes.append(h)
        }
    }

    private func finish(_ s: BatchSequence, _ reason: FinishReason) {
        let now = ContinuousClock.now
        let ttft = s.firstToken.map { seconds($0 - s.submitted) } ?? seconds(now - s.submitted)
        let result = s.output.result(otherwise: reason, promptTokens: s.promptCount, cachedPromptTokens: s.cachedPromptTokens,
                                     prefillSeconds: ttft, decodeSeconds: seconds(now - (s.firstToken ?? now)))
        s.continuation.yield(.finished(result))
        s.continuation.finish()
    }

    private func publishEvents() {
        let events = blocks.drainEvents()
        guard !events.isEmpty else { return }
        let subs = subscriberLock.withLock { Array(subscribers.values) }
        for c in subs {
            for e in events { c.yield(e) }
        }
    }
}
