import ContinuumEngine
import Testing

/// The batch engine's decisions without a model: admission, step planning, prefix reuse,
/// preemption and release, driven as `BatchEngine` drives them.
@Suite struct BatchSchedulerTests {
    /// Plays the engine: admits and plans, then "runs" the step, giving every sampling
    /// sequence a new token unless it is told to finish.
    struct Harness {
        var scheduler: BatchScheduler
        var step = BatchStep()
        var nextToken: Int32 = 1000

        init(blocks: Int, blockSize: Int = 4, maxBatchTokens: Int = 64, maxSequences: Int = 8, maxQueue: Int = 16) {
            scheduler = BatchScheduler(blockCount: blocks, blockSize: blockSize,
                                       limits: .init(maxBatchTokens: maxBatchTokens, maxSequences: maxSequences, maxQueue: maxQueue))
        }

        @discardableResult
        mutating func submit(_ prompt: [Int32]) throws -> Int { try scheduler.enqueue(prompt: prompt) }

        /// Admits and plans the next step; returns its entries.
        mutating func plan() -> [BatchStep.Entry] {
            scheduler.admit()
            scheduler.plan(into: &step)
            return step.entries
        }

        /// Carries out the planned step.
        mutating func run(finishing: Set<Int> = []) {
            scheduler.complete(step)
            for e in step.entries where e.samples {
                if finishing.contains(e.id) {
                    scheduler.finish(e.id)
                } else {
                    scheduler.append(nextToken, to: e.id)
                    nextToken += 1
                }
            }
        }

        var runningIDs: [Int] { scheduler.running.map(\.id) }
        var waitingIDs: [Int] { scheduler.waiting.map(\.id) }
    }

    static func E(_ id: Int, _ count: Int, _ samples: Bool) -> BatchStep.Entry { .init(id: id, count: count, samples: samples) }

    static func prompt(_ n: Int, from first: Int32 = 1) -> [Int32] { (0..<Int32(n)).map { first + $0 } }

    // MARK: Admission

    struct AdmissionCase: CustomStringConvertible, Sendable {
        var name: String
        var blocks = 64
        var maxSequences = 8
        /// A prompt planned (its blocks allocated) before the others arrive.
        var first: Int?
        var prompts: [Int]
        var running: [Int]
        var waiting: [Int]
        var description: String { name }
    }

    static let admissionCases: [AdmissionCase] = [
        AdmissionCase(name: "maxSequences caps the running set", maxSequences: 2, prompts: [5, 5, 5], running: [0, 1], waiting: [2]),
        AdmissionCase(name: "a prompt waits while its blocks plus one per running sequence are not free",
                      blocks: 8, first: 17, prompts: [9], running: [0], waiting: [1]),
        AdmissionCase(name: "a prompt starts when they are", blocks: 8, first: 17, prompts: [5], running: [0, 1], waiting: []),
        AdmissionCase(name: "arrival order: a small prompt does not overtake a blocked one",
                      blocks: 8, first: 17, prompts: [9, 1], running: [0], waiting: [1, 2]),
        AdmissionCase(name: "blocks not yet allocated count as free, with one of headroom per running sequence",
                      blocks: 8, prompts: [25, 25, 25], running: [0, 1], waiting: [2]),
    ]

    @Test(arguments: admissionCases)
    func admission(_ c: AdmissionCase) throws {
        var h = Harness(blocks: c.blocks, maxSequences: c.maxSequences)
        if let n = c.first {
            try h.submit(Self.prompt(n))
            _ = h.plan()
        }
        for n in c.prompts { try h.submit(Self.prompt(n, from: 100)) }
        h.scheduler.admit()
        #expect(h.runningIDs == c.running)
        #expect(h.waitingIDs == c.waiting)
    }

    @Test func aFullQueueAndAnOversizedPromptAreRefused() throws {
        var h = Harness(blocks: 4, maxQueue: 2)
        try h.submit(Self.prompt(3))
        try h.submit(Self.prompt(3))
        #expect(throws: BatchEngineError(.queueFull, "")) { try h.submit(Self.prompt(3)) }
        h.scheduler.admit()
        #expect(h.runningIDs == [0, 1] && h.waitingIDs.isEmpty)
        #expect(try h.submit(Self.prompt(3)) == 2)
        // 4 blocks of 4: a prompt must leave room for its next token and one block more.
        #expect(try h.submit(Self.prompt(11)) == 3)
        #expect(throws: BatchEngineError(.tooLargeForCache, "")) { try h.submit(Self.prompt(12)) }
    }

    // MARK: Step planning

    struct PlanCase: CustomStringConvertible, Sendable {
        var name: String
        var maxBatchTokens: Int
        var prompts: [Int]
        /// The entries of each step in turn (every sampled sequence goes on).
        var steps: [[BatchStep.Entry]]
        var description: String { name }
    }

    static let planCases: [PlanCase] = [
        PlanCase(name: "a long prompt is prefilled in chunks of the token budget", maxBatchTokens: 8, prompts: [20],
                 steps: [[E(0, 8, false)], [E(0, 8, false)], [E(0, 4, true)], [E(0, 1, true)]]),
        PlanCase(name: "decode tokens go first, then prompt chunks in arrival order", maxBatchTokens: 8, prompts: [6, 10],
                 steps: [[E(0, 6, true), E(1, 2, false)], [E(0, 1, true), E(1, 7, false)], [E(0, 1, true), E(1, 1, true)]]),
        PlanCase(name: "short prompts share one step", maxBatchTokens: 64, prompts: [3, 5, 2],
                 steps: [[E(0, 3, true), E(1, 5, true), E(2, 2, true)], [E(0, 1, true), E(1, 1, true), E(2, 1, true)]]),
    ]

    @Test(arguments: planCases)
    func planning(_ c: PlanCase) throws {
        var h = Harness(blocks: 32, maxBatchTokens: c.maxBatchTokens)
        for (i, n) in c.prompts.enumerated() { try h.submit(Self.prompt(n, from: Int32(100 * i + 1))) }
        for (i, expected) in c.steps.enumerated() {
            #expect(h.plan() == expected, "step \(i)")
            #expect(h.step.tokens.count == expected.map(\.count).reduce(0, +), "step \(i)")
            #expect(h.step.logitRows.count == expected.filter(\.samples).count, "step \(i)")
            h.run()
        }
        #expect(h.scheduler.counters.steps == c.steps.count)
    }

    @Test func aStepLaysOutPositionsSlotsAndBlockTables() throws {
        var h = Harness(blocks: 16)
        try h.submit([10, 11, 12, 13, 14, 15])
        try h.submit([20, 21, 22])
        _ = h.plan()
        // Blocks are handed out from 0 up: sequence 0 gets blocks 0 and 1, sequence 1 block 2.
        #expect(h.step.tokens == [10, 11, 12, 13, 14, 15, 20, 21, 22])
        #expect(h.step.positions == [0, 1, 2, 3, 4, 5, 0, 1, 2])
        #expect(h.step.slots == [0, 1, 2, 3, 4, 5, 8, 9, 10])
        #expect(h.step.tables == [0, 1, 2])
        #expect(h.step.tableOffsets == [0, 0, 0, 0, 0, 0, 2, 2, 2])
        #expect(h.step.logitRows == [5, 8])
        h.run()
        // The next step computes only the sampled tokens, each at the next position.
        _ = h.plan()
        #expect(h.step.tokens == [1000, 1001] && h.step.positions == [6, 3] && h.step.slots == [6, 11])
    }

    // MARK: Prefix cache

    struct PrefixCase: CustomStringConvertible, Sendable {
        var name: String
        var prompt: [Int32]
        var cached: Int
        var description: String { name }
    }

    /// The first prompt: 13 tokens, so 3 full blocks of 4 are cached after it.
    static let first = prompt(13)

    static let prefixCases: [PrefixCase] = [
        PrefixCase(name: "the same prompt reuses every full block and computes one token", prompt: first, cached: 12),
        PrefixCase(name: "a longer prompt with the same start reuses the shared blocks", prompt: Array(first.prefix(12)) + [99, 98], cached: 12),
        PrefixCase(name: "the last token is always computed, so a block-aligned prompt reuses one block less",
                   prompt: Array(first.prefix(12)), cached: 8),
        PrefixCase(name: "reuse stops at the first block that differs", prompt: Array(first.prefix(6)) + prompt(4, from: 90), cached: 4),
        PrefixCase(name: "blocks are chained: the same tokens after a different start are not reused", prompt: [50] + first, cached: 0),
    ]

    @Test(arguments: prefixCases)
    func prefixCacheHitsShortenPrefill(_ c: PrefixCase) throws {
        var h = Harness(blocks: 16)
        try h.submit(Self.first)
        #expect(h.plan() == [Self.E(0, 13, true)])
        h.run(finishing: [0])
        #expect(h.scheduler.blocks.cachedCount == 3 && h.scheduler.blocks.usedCount == 0)
        try h.submit(c.prompt)
        #expect(h.plan() == [Self.E(1, c.prompt.count - c.cached, true)])
        #expect(h.scheduler.sequence(1)?.cachedPromptTokens == c.cached)
        #expect(h.scheduler.counters.promptTokens == Self.first.count + c.prompt.count)
        #expect(h.scheduler.counters.cachedPromptTokens == c.cached)
    }

    // MARK: Preemption

    @Test func theYoungestIsPreemptedAndRecomputesWhatIsNotCached() throws {
        // 6 blocks of 4. A fills 2 blocks exactly; B and C fill one and start another.
        var h = Harness(blocks: 6)
        try h.submit(Self.prompt(8, from: 1))  // A
        try h.submit(Self.prompt(5, from: 11))  // B
        try h.submit(Self.prompt(5, from: 21))  // C
        #expect(h.plan() == [Self.E(0, 8, true), Self.E(1, 5, true), Self.E(2, 5, true)])
        #expect(h.scheduler.blocks.usedCount == 6)
        h.run()

        // A's next token needs a third block and none is free: C, the youngest, gives its
        // blocks back (B, older, keeps running); C's full block stays cached.
        #expect(h.plan() == [Self.E(0, 1, true), Self.E(1, 1, true)])
        #expect(h.runningIDs == [0, 1] && h.waitingIDs == [2])
        #expect(h.scheduler.counters.preemptions == 1)
        #expect(h.scheduler.sequence(2)?.computed == 0 && h.scheduler.sequence(2)?.preemptions == 1)
        #expect(h.scheduler.blocks.usedCount == 5 && h.scheduler.blocks.cachedCount == 1)
        h.run(finishing: [0])

        // A ended, so C is admitted again: its cached block is reused, and it recomputes only
        // its last prompt token and the token it had sampled. It is not counted twice.
        #expect(h.plan() == [Self.E(1, 1, true), Self.E(2, 2, true)])
        #expect(h.scheduler.sequence(2)?.tokens == Self.prompt(5, from: 21) + [1002])
        #expect(h.scheduler.sequence(2)?.cachedPromptTokens == 0)
        #expect(h.scheduler.counters.promptTokens == 18 && h.scheduler.counters.cachedPromptTokens == 0)
    }

    @Test func aSequenceThatDoesNotFitAloneEndsAndFreesItsBlocks() throws {
        // 2 blocks of 4 hold 8 positions: a 3-token prompt can sample 6 tokens, and the 7th
        // step would need position 8.
        var h = Harness(blocks: 2)
        try h.submit(Self.prompt(3))
        #expect(h.plan() == [Self.E(0, 3, true)])
        h.run()
        for _ in 0..<5 {
            #expect(h.plan() == [Self.E(0, 1, true)])
            h.run()
        }
        #expect(h.plan().isEmpty)
        #expect(h.step.ended.map(\.id) == [0] && h.step.ended.first?.tokens.count == 9)
        #expect(h.scheduler.isEmpty && h.scheduler.blocks.usedCount == 0)
        // The plan after that does not report it again.
        #expect(h.plan().isEmpty && h.step.ended.isEmpty)
    }

    // MARK: Release

    @Test func cancellingFreesBlocksAndKeepsFullOnesCached() throws {
        var h = Harness(blocks: 8, maxSequences: 1)
        try h.submit(Self.prompt(5))
        try h.submit(Self.prompt(5, from: 50))
        #expect(h.plan() == [Self.E(0, 5, true)])
        h.run()
        #expect(h.runningIDs == [0] && h.waitingIDs == [1])
        #expect(h.scheduler.blocks.usedCount == 2)
        #expect(h.scheduler.cancel([7]).isEmpty)
        // Waiting ones first, then running ones.
        #expect(h.scheduler.cancel([0, 1]).map(\.id) == [1, 0])
        #expect(h.scheduler.isEmpty)
        #expect(h.scheduler.blocks.usedCount == 0 && h.scheduler.blocks.cachedCount == 1)
        #expect(h.plan().isEmpty)
    }

    @Test func cancellingARunningSequenceLetsAWaitingOneStart() throws {
        var h = Harness(blocks: 8, maxSequences: 1)
        try h.submit(Self.prompt(5))
        try h.submit(Self.prompt(5, from: 50))
        _ = h.plan()
        h.run()
        #expect(h.scheduler.cancel([0]).map(\.id) == [0])
        #expect(h.plan() == [Self.E(1, 5, true)])
        #expect(h.runningIDs == [1] && h.waitingIDs.isEmpty)
    }
}
