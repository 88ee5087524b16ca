public import ContinuumGGUF
public import ContinuumGrammar
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
/// Those decisions are `BatchScheduler`'s, a value type this class drives under its lock;
/// the model is loaded as `Engine` loads it (`LoadedModel`) and tokens become text as they do
/// there (`SequenceOutput`).
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
        /// Append the tokens a grammar forces without sampling them (``OutputConstraint``).
        public var forcedTokens: Bool

        public init(modelPath: String, threads: Int = Engine.defaultThreadCount, contextLength: Int? = nil,
                    blockSize: Int = 32, kvCacheBytes: Int? = nil, maxBatchTokens: Int = 512, maxSequences: Int = 16,
                    maxQueue: Int = 256, template: ChatTemplate.Kind? = nil, forcedTokens: Bool = true) {
            self.modelPath = modelPath
            self.threads = threads
            self.contextLength = contextLength
            self.blockSize = blockSize
            self.kvCacheBytes = kvCacheBytes
            self.maxBatchTokens = maxBatchTokens
            self.maxSequences = maxSequences
            self.maxQueue = maxQueue
            self.template = template
            self.forcedTokens = forcedTokens
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
    /// Compiled grammars by text and the vocabulary trie their matchers mask with.
    public let grammars: GrammarCache
    private let loaded: LoadedModel
    private let model: TransformerDecoder
    private let storage: PagedKVStorage

    private let lock = NSCondition()
    /// Admission, step planning, preemption and block bookkeeping; under `lock`.
    private var scheduler: BatchScheduler
    /// The requests the scheduler holds, by id; under `lock`.
    private var sequences: [Int: BatchSequence] = [:]
    private var stopping = false
    private var stopped = false
    /// KV event subscribers, under `subscriberLock` (their termination handlers may run
    /// inside `lock`).
    private let subscriberLock = NSLock()
    private var subscribers: [Int: AsyncStream<KVEvent>.Continuation] = [:]
    private var nextSubscriber = 0
    private var thread: Thread?

    /// The step being planned or run, its buffers reused every step (planned under `lock`,
    /// run outside it, by the step thread only).
    private var step: BatchStep
    private let logits: UnsafeMutablePointer<Float>

    public init(_ options: Options) throws {
        self.options = options
        loaded = try LoadedModel(path: options.modelPath, threads: options.threads,
                                 maxBatch: max(max(1, options.maxBatchTokens), options.maxSequences),
                                 contextLength: options.contextLength, template: options.template)
        model = loaded.model
        let c = model.configuration
        grammars = GrammarCache(tokenizer: loaded.tokenizer, vocabularySize: c.vocabularySize)
        let contextLength = loaded.contextLength
        blockSize = max(1, options.blockSize)
        let perToken = PagedKVStorage.bytesPerToken(configuration: c)
        let bytes = options.kvCacheBytes ?? min(1 << 30, options.maxSequences * contextLength * perToken)
        let blockCount = PagedKVStorage.blocks(fitting: bytes, configuration: c, blockSize: blockSize)
        storage = PagedKVStorage(configuration: c, blockSize: blockSize, blockCount: blockCount)
        scheduler = BatchScheduler(blockCount: blockCount, blockSize: blockSize,
                                   limits: .init(maxBatchTokens: options.maxBatchTokens, maxSequences: options.maxSequences,
                                                 maxQueue: options.maxQueue))
        let rows = model.maxBatch
        logits = .allocate(capacity: rows * c.vocabularySize)
        step = BatchStep(rows: rows, tables: options.maxSequences * (contextLength / blockSize + 2))
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
        for s in sequences.values {
            s.continuation.finish(throwing: BatchEngineError(.shuttingDown, "the engine was released"))
        }
        logits.deallocate()
    }

    public var configuration: DecoderConfiguration { model.configuration }
    public func chatTemplate() throws -> ChatTemplate { try loaded.template.get() }
    public var kvBlockCount: Int { storage.blockCount }

    public func chatPrompt(_ messages: [ChatMessage], tools: [String] = []) throws -> [Int32] { try loaded.chatPrompt(messages, tools: tools) }

    public var stats: Stats {
        lock.withLock {
            let blocks = scheduler.blocks, counters = scheduler.counters
            return Stats(waiting: scheduler.waiting.count, running: scheduler.running.count, blocksUsed: blocks.usedCount,
                         blocksCached: blocks.cachedCount, blockCount: blocks.blockCount, promptTokens: counters.promptTokens,
                         cachedPromptTokens: counters.cachedPromptTokens, steps: counters.steps, preemptions: counters.preemptions)
        }
    }

    /// Queues a generation. Tokens stream as they are sampled; ending the iteration cancels
    /// the request and frees its blocks within one step. Throws at once when the queue is
    /// full, the prompt cannot fit, or the parameters are invalid. With a `constraint`, every
    /// token is drawn from those its grammar allows, and the sequence ends (`.stop`) when the
    /// grammar is complete and nothing more may follow.
    public func submit(prompt: [Int32], parameters: SamplingParameters,
                       constraint: OutputConstraint? = nil) throws -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let params = try parameters.validated()
        guard !prompt.isEmpty else { throw BatchEngineError(.emptyPrompt, "the prompt has no tokens") }
        let vocab = tokenizer.vocabularySize
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw BatchEngineError(.invalidToken, "token \(bad) is outside 0..<\(vocab)")
        }
        guard prompt.count < contextLength else {
            throw BatchEngineError(.promptTooLong, "\(prompt.count) prompt tokens; the context holds \(contextLength)")
        }
        let sampler = try Sampler(parameters: params, vocabularySize: vocab)
        sampler.accept(contentsOf: prompt)
        let limit = SequenceOutput.limit(promptCount: prompt.count, maxTokens: params.maxTokens, contextLength: contextLength)
        let output = SequenceOutput(tokenizer: tokenizer, stop: params.stop, limit: limit)
        let matcher = try constraint.map { c throws(GrammarError) in try GrammarMatcher(grammar: c.grammar, vocabulary: grammars.tokenVocabulary) }
        let forces = (constraint?.forceTokens ?? false) && options.forcedTokens && params.topLogprobs == 0
        let (stream, continuation) = AsyncThrowingStream<GenerationUpdate, any Error>.makeStream(bufferingPolicy: .unbounded)
        try lock.withLock {
            guard !stopping else { throw BatchEngineError(.shuttingDown, "not accepting new requests") }
            let id = try scheduler.enqueue(prompt: prompt, reserve: limit)
            let seq = BatchSequence(id: id, promptCount: prompt.count, sampler: sampler, output: output,
                                    continuation: continuation, now: .now)
            seq.matcher = matcher
            seq.forcesTokens = forces
            seq.closesWithinBudget = constraint?.closesWithinBudget ?? false
            sequences[id] = seq
            // May run on any thread, also inside `lock` (when the engine finishes the
            // stream), so it takes no lock of the engine's.
            continuation.onTermination = { [weak self, weak seq] _ in
                seq?.cancelled = true
                self?.lock.signal()
            }
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
            for s in sequences.values { s.cancelled = true }
            lock.signal()
        }
        while !lock.withLock({ stopped }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    // MARK: The step loop

    /// One turn of the step loop; false once the engine has stopped.
    private func iterate() -> Bool {
        lock.lock()
        if scheduler.isEmpty && !stopping {
            // Idle: sleep until work arrives, waking now and then so that a released engine
            // is noticed.
            _ = lock.wait(until: Date().addingTimeInterval(0.5))
            if scheduler.isEmpty && !stopping {
                lock.unlock()
                return true
            }
        }
        if stopping && scheduler.isEmpty {
            stopped = true
            lock.unlock()
            let subs = subscriberLock.withLock { () -> [AsyncStream<KVEvent>.Continuation] in
                defer { subscribers.removeAll() }
                return Array(subscribers.values)
            }
            for c in subs { c.finish() }
            return false
        }
        // Cancelled sequences (client gone) end and free their blocks.
        let cancelled = Set(sequences.values.lazy.filter(\.cancelled).map(\.id))
        for s in scheduler.cancel(cancelled) { end(s, .cancelled) }
        scheduler.admit()
        scheduler.plan(into: &step)
        for s in step.ended { end(s, .length) }
        let planned = !step.tokens.isEmpty
        lock.unlock()

        if planned {
            runStep()
            lock.lock()
            afterStep()
            publishEvents()
            lock.unlock()
        }
        return true
    }

    /// One forward pass over the planned batch. Step thread only, outside the lock.
    private func runStep() {
        step.tokens.withUnsafeBufferPointer { t in
            step.positions.withUnsafeBufferPointer { p in
                step.slots.withUnsafeBufferPointer { sl in
                    step.tableOffsets.withUnsafeBufferPointer { o in
                        step.tables.withUnsafeBufferPointer { tb in
                            step.logitRows.withUnsafeBufferPointer { lr in
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

    /// Samples and streams after a step, and retires the sequences that ended. Under the lock.
    private func afterStep() {
        scheduler.complete(step)
        let vocab = model.configuration.vocabularySize
        var logitIndex = 0
        for entry in step.entries where entry.samples {
            let row = logits + logitIndex * vocab
            logitIndex += 1
            guard let s = sequences[entry.id], !s.cancelled else { continue }  // reaped next step
            if let m = s.matcher {
                m.applyMask(to: row)
                // Nothing allowed: no token of this vocabulary continues the grammar (held-back
                // text is dropped, as on cancellation, so the stream and the result agree).
                if SamplingMath.max(row, vocab) == -.infinity {
                    if let done = scheduler.finish(entry.id) { end(done, .stop) }
                    continue
                }
            }
            let sampled = s.sampler.sample(logits: row)
            if s.firstToken == nil { s.firstToken = .now }
            guard emit(sampled, to: s) else { continue }
            var running = true
            if s.forcesTokens, let m = s.matcher {
                for t in m.forcedTokens(limit: OutputConstraint.forcedTokensPerStep) {
                    running = emit(SampledToken(id: t, logprob: 0, top: []), to: s)
                    if !running { break }
                }
            }
            if running, s.closesWithinBudget, let m = s.matcher {
                let remaining = s.output.limit - s.output.tokens.count
                if remaining <= m.completionLength + OutputConstraint.closingMargin(limit: s.output.limit),
                   let closing = m.completionTokens(limit: remaining) {
                    for (i, t) in closing.enumerated() where running {
                        running = emit(SampledToken(id: t, logprob: 0, top: []), to: s, ends: i == closing.count - 1)
                    }
                    if running, closing.isEmpty, let done = scheduler.finish(s.id) {
                        end(done, .stop)  // complete already: end here rather than run out
                    }
                }
            }
        }
    }

    /// Streams one token of a sequence (sampled or forced by its grammar) and either queues it
    /// for the next step or ends the sequence. False once the sequence has ended.
    /// `ends`: the sequence ends on this token (the last of a spelled-out completion).
    private func emit(_ token: SampledToken, to s: BatchSequence, ends: Bool = false) -> Bool {
        s.sampler.accept(token.id)
        s.matcher?.accept(token.id)
        var text = s.output.append(token.id)
        // A complete grammar that allows nothing more ends the sequence on this token.
        if s.output.finishReason == nil, ends || s.matcher?.mustEnd == true { text += s.output.finish(.stop) }
        s.continuation.yield(.token(GenerationEvent(token: token, text: text)))
        guard let reason = s.output.finishReason else {
            scheduler.append(token.id, to: s.id)
            return true
        }
        if let done = scheduler.finish(s.id) { end(done, reason) }
        return false
    }

    /// Sends the result of a sequence the scheduler has let go, and ends its stream.
    private func end(_ done: BatchScheduler.Sequence, _ reason: FinishReason) {
        guard let s = sequences.removeValue(forKey: done.id) else { return }
        let now = ContinuousClock.now
        let ttft = s.firstToken.map { seconds($0 - s.submitted) } ?? seconds(now - s.submitted)
        let result = s.output.result(otherwise: reason, promptTokens: s.promptCount, cachedPromptTokens: done.cachedPromptTokens,
                                     prefillSeconds: ttft, decodeSeconds: seconds(now - (s.firstToken ?? now)))
        s.continuation.yield(.finished(result))
        s.continuation.finish()
    }

    private func publishEvents() {
        let events = scheduler.drainEvents()
        guard !events.isEmpty else { return }
        let subs = subscriberLock.withLock { Array(subscribers.values) }
        for c in subs {
            for e in events { c.yield(e) }
        }
    }
}
