/// Bounds on the work and memory one grammar may cost, so a hostile `grammar` field in a
/// request fails with `GrammarError(.limitExceeded)` (or loses the offending branch) instead
/// of exhausting the server.
public struct GrammarLimits: Sendable, Equatable {
    /// Bytes of GBNF text.
    public var maxGrammarBytes: Int
    /// Rules after expansion (groups, repetitions and multi-byte classes add rules).
    public var maxRules: Int
    /// Grammar elements after expansion.
    public var maxElements: Int
    /// Largest `m` or `n` in `{m,n}`.
    public var maxRepetition: Int
    /// Nesting depth of the parse stack; deeper branches are dropped (the token is disallowed).
    public var maxStackDepth: Int
    /// Distinct stacks alive in one matcher state; a byte that would exceed it is disallowed.
    public var maxLiveStacks: Int
    /// Stacks in the shared arena of one grammar and vocabulary pair; beyond it the cache
    /// starts over for new matchers.
    public var maxArenaStacks: Int
    /// Automaton states (sets of stacks) cached before the cache is flushed (1 KB each for
    /// the transition row; one operation may use up to twice this before a flush and retry).
    public var maxCachedStates: Int
    /// Bytes of cached token masks before the mask cache is flushed.
    public var maxCachedMaskBytes: Int

    public init(
        maxGrammarBytes: Int = 1 << 20, maxRules: Int = 100_000, maxElements: Int = 1_000_000,
        maxRepetition: Int = 10_000, maxStackDepth: Int = 1_024, maxLiveStacks: Int = 1_024,
        maxArenaStacks: Int = 4_000_000, maxCachedStates: Int = 16_384, maxCachedMaskBytes: Int = 64 << 20
    ) {
        self.maxGrammarBytes = maxGrammarBytes
        self.maxRules = maxRules
        self.maxElements = maxElements
        self.maxRepetition = maxRepetition
        self.maxStackDepth = maxStackDepth
        self.maxLiveStacks = maxLiveStacks
        self.maxArenaStacks = maxArenaStacks
        self.maxCachedStates = maxCachedStates
        self.maxCachedMaskBytes = maxCachedMaskBytes
    }

    public static let `default` = GrammarLimits()
}
