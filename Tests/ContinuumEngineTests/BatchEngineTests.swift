import ContinuumEngine
import ContinuumModels
import ContinuumTokenizers
import Foundation
import Testing

/// Continuous batching on the real default model.
@Suite(.serialized) struct BatchEngineTests {
    static func engine(kvCacheBytes: Int? = nil, maxQueue: Int = 256, blockSize: Int = 16) throws -> BatchEngine? {
        guard let path = TestResources.model(TestResources.smolLM2) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2)))
            return nil
        }
        return try BatchEngine(.init(modelPath: path, threads: 2, contextLength: 512, blockSize: blockSize,
                                     kvCacheBytes: kvCacheBytes, maxQueue: maxQueue))
    }

    static let questions = [
        "What is the capital of France?", "Name three primary colors.", "What is 12 plus 7?",
        "Write a haiku about the sea.", "Who wrote Hamlet?", "What is the boiling point of water?",
        "Translate 'good night' into Spanish.", "Give me a synonym for happy.", "What is photosynthesis?",
        "How many legs does a spider have?", "What is the largest planet?", "Name a famous painter.",
        "What does CPU stand for?", "Why is the sky blue?", "What is the square root of 81?", "Say hello in French.",
    ]

    static func collect(_ stream: AsyncThrowingStream<GenerationUpdate, any Error>) async throws -> GenerationResult? {
        var result: GenerationResult?
        for try await u in stream { if case .finished(let r) = u { result = r } }
        return result
    }

    @Test func sixteenConcurrentStreamsAllComplete() async throws {
        guard let e = try Self.engine() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 24
        let prompts = try Self.questions.map { try e.chatPrompt([ChatMessage(role: "user", content: $0)]) }
        // Alone, one after the other.
        var alone: [[Int32]] = []
        for prompt in prompts {
            alone.append(try await Self.collect(try e.submit(prompt: prompt, parameters: p))?.tokens ?? [])
        }
        // All at once.
        let together = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, prompt) in prompts.enumerated() {
                let stream = try e.submit(prompt: prompt, parameters: p)
                group.addTask { (i, try await Self.collect(stream)?.tokens ?? []) }
            }
            var out = [[Int32]](repeating: [], count: prompts.count)
            for try await (i, t) in group { out[i] = t }
            return out
        }
        var same = 0
        for i in prompts.indices {
            #expect(!together[i].isEmpty)
            if together[i] == alone[i] { same += 1 }
        }
        print("batch engine: \(same) of \(prompts.count) concurrent outputs equal their solo runs")
        // Every kernel computes a row the same way whatever the batch (batch-invariant
        // matmuls, per-query attention), so batching never changes an answer.
        #expect(same == prompts.count)
    }

    @Test func sharedPrefixSkipsPrefillAndEventsDescribeIt() async throws {
        guard let e = try Self.engine() else { return }
        let events = e.kvEvents()
        var p = SamplingParameters.greedy
        p.maxTokens = 4
        let document = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20)
        let first = e.tokenizer.encode(document + "Question one: what jumps?")
        let second = e.tokenizer.encode(document + "Question two: who is lazy?")
        let a = try await Self.collect(try e.submit(prompt: first, parameters: p))
        let b = try await Self.collect(try e.submit(prompt: second, parameters: p))
        #expect(a?.cachedPromptTokens == 0)
        let shared = zip(first, second).prefix { $0 == $1 }.count
        #expect((b?.cachedPromptTokens ?? 0) >= shared / e.blockSize * e.blockSize - e.blockSize, "cached \(b?.cachedPromptTokens ?? -1) of \(shared) shared")
        #expect((b?.cachedPromptTokens ?? 0) > 0)
        // The stored events are the chain hashes of the first prompt's full blocks.
        let expected = Set(KVBlockHash.chain(first, blockSize: e.blockSize))
        var stored = Set<UInt64>()
        for await ev in events {
            if case .stored(let h, _) = ev { stored.insert(h) }
            if expected.isSubset(of: stored) { break }
        }
        #expect(expected.isSubset(of: stored))
    }

    @Test func abandonedStreamFreesItsBlocks() async throws {
        guard let e = try Self.engine() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 400
        var seen = 0
        for try await u in try e.submit(prompt: e.tokenizer.encode("Tell me a very long story."), parameters: p) {
            if case .token = u { seen += 1 }
            if seen == 3 { break }
        }
        var s = e.stats
        for _ in 0..<200 where s.running > 0 || s.blocksUsed > 0 {
            try await Task.sleep(for: .milliseconds(5))
            s = e.stats
        }
        #expect(s.running == 0 && s.blocksUsed == 0, "\(s)")
    }

    /// The KV memory the engine reserves: F16 keys and values, 23,040 bytes per SmolLM2 token
    /// (2 × 30 layers × 3 kv heads × 64 × 2 bytes; 46,080 in f32), so 16 sequences of 4,096
    /// tokens take 1.41 GiB (2.81 GiB in f32) and 1 GiB holds 46,592 tokens (23,296 in f32).
    @Test func kvMemoryIsF16() throws {
        guard let e = try Self.engine(kvCacheBytes: 1 << 30, blockSize: 32) else { return }
        #expect(PagedKVStorage.bytesPerToken(configuration: e.configuration) == 23_040)
        #expect(16 * 4096 * PagedKVStorage.bytesPerToken(configuration: e.configuration) == 1_509_949_440)
        #expect(e.kvBlockCount * 32 == 46_592)
        print("KV memory: \(PagedKVStorage.bytesPerToken(configuration: e.configuration)) bytes per token; 1 GiB holds \(e.kvBlockCount * 32) tokens")
    }

    @Test func aSmallCachePreemptsAndStillFinishesEverything() async throws {
        // 16 blocks of 16 tokens (256 positions) for 6 requests that each grow to ~130; SmolLM2
        // keeps 2 (K, V) × 30 layers × 192 halves (2 bytes) per token.
        guard let e = try Self.engine(kvCacheBytes: 16 * 16 * 2 * 30 * 192 * 2) else { return }
        #expect(e.kvBlockCount == 16)
        var p = SamplingParameters.greedy
        p.maxTokens = 120
        let starts = ["Once upon a time", "The history of Rome", "In the year 2050", "Dear diary,", "The recipe begins", "Chapter one:"]
        let prompts = starts.map { e.tokenizer.encode($0) }
        let results = try await withThrowingTaskGroup(of: GenerationResult?.self) { group in
            for prompt in prompts {
                let stream = try e.submit(prompt: prompt, parameters: p)
                group.addTask { try await Self.collect(stream) }
            }
            var out: [GenerationResult?] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.count == prompts.count && results.allSatisfy { $0 != nil && !$0!.tokens.isEmpty })
        print("small cache: \(results.map { $0?.tokens.count ?? 0 }) tokens, \(e.stats.preemptions) preemptions")
        #expect(e.stats.preemptions > 0, "\(e.stats)")
        #expect(e.stats.blocksUsed == 0)
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        guard let e = try Self.engine(maxQueue: 2) else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 50
        var streams: [AsyncThrowingStream<GenerationUpdate, any Error>] = []
        var refused = 0
        for _ in 0..<40 {
            do { streams.append(try e.submit(prompt: e.tokenizer.encode("Count to twenty."), parameters: p)) } catch let err as BatchEngineError {
                #expect(err.code == .queueFull)
                refused += 1
            }
        }
        #expect(refused > 0)
        streams.removeAll()  // abandoning them cancels them
        #expect(throws: BatchEngineError.self) { try e.submit(prompt: [Int32](repeating: 42, count: 600), parameters: p) }
    }
}
