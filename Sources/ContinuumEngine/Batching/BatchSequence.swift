import Foundation

/// One request inside the batch engine: its tokens, where their keys and values live,
/// its sampler and its output. Touched only by the step loop (and, for
/// `cancelled`, under the engine's lock).
/// `@unchecked Sendable`: the step loop owns it; other threads only set `cancelled`, which
/// has a lock of its own (the stream's termination handler may run inside the engine's lock).
final class BatchSequence: @unchecked Sendable {
    let id: Int
    let promptCount: Int
    let sampler: Sampler
    var output: SequenceOutput
    let continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation
    let submitted: ContinuousClock.Instant

    /// Prompt then generated tokens. The last one may not be computed yet.
    var tokens: [Int32]
    /// Tokens whose keys and values are in the cache (a prefix of `tokens`).
    var computed = 0
    /// Block table: block i holds positions i·blockSize ..< (i+1)·blockSize.
    var blocks: [Int32] = []
    /// Hashes of the full blocks so far (chain), for publishing and prefix reuse.
    var blockHashes: [UInt64] = []
    var cachedPromptTokens = 0
    var firstToken: ContinuousClock.Instant?
    private let cancelLock = NSLock()
    private var cancelledFlag = false
    var cancelled: Bool {
        get { cancelLock.withLock { cancelledFlag } }
        set { cancelLock.withLock { cancelledFlag = newValue } }
    }
    var preemptions = 0

    init(id: Int, prompt: [Int32], sampler: Sampler, output: SequenceOutput,
         continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation, now: ContinuousClock.Instant) {
        self.id = id
        self.promptCount = prompt.count
        self.sampler = sampler
        self.output = output
        self.continuation = continuation
        self.submitted = now
        self.tokens = prompt
        tokens.reserveCapacity(prompt.count + min(output.limit, 4096))
    }

    /// Tokens still to compute before the next sample.
    var pending: Int { tokens.count - computed }
}
