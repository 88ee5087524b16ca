import ContinuumGrammar
import Foundation

/// One request inside the batch engine, apart from its scheduling (`BatchScheduler` keeps
/// its tokens and blocks): its sampler, its output and the stream it feeds.
/// `@unchecked Sendable`: the step loop owns it, under the engine's lock; other threads only
/// set `cancelled`, which has a lock of its own (the stream's termination handler may run
/// inside the engine's lock).
final class BatchSequence: @unchecked Sendable {
    let id: Int
    let promptCount: Int
    let sampler: Sampler
    var output: SequenceOutput
    let continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation
    let submitted: ContinuousClock.Instant
    var firstToken: ContinuousClock.Instant?
    /// The grammar the output must follow, if any.
    var matcher: GrammarMatcher?
    /// Append the grammar's forced tokens without sampling.
    var forcesTokens = false
    /// Spell the grammar's shortest completion when the budget runs low.
    var closesWithinBudget = false
    private let cancelLock = NSLock()
    private var cancelledFlag = false
    var cancelled: Bool {
        get { cancelLock.withLock { cancelledFlag } }
        set { cancelLock.withLock { cancelledFlag = newValue } }
    }

    init(id: Int, promptCount: Int, sampler: Sampler, output: SequenceOutput,
         continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation, now: ContinuousClock.Instant) {
        self.id = id
        self.promptCount = promptCount
        self.sampler = sampler
        self.output = output
        self.continuation = continuation
        self.submitted = now
    }
}
