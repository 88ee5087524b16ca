public import ContinuumGrammar

/// What a generation's output must match: a compiled grammar (from GBNF, a JSON Schema or a
/// tool-call format), enforced by masking every token the grammar does not allow before each
/// draw, and ending the sequence once the grammar is complete and nothing more may follow.
public struct OutputConstraint: Sendable {
    public let grammar: Grammar
    /// Append the tokens the grammar forces (one possible continuation) without sampling
    /// them: one forward pass computes them all, like a prompt chunk. Their reported
    /// log-probability is 0, so it is off when a request asks for logprobs.
    public var forceTokens: Bool
    /// When the token budget (`maxTokens` or the context) gets close to the fewest tokens
    /// that would complete the grammar, spell that shortest completion out and stop, so the
    /// answer is complete (valid JSON) rather than cut off. A grammar that cannot complete
    /// within the budget at all still ends with `.length`.
    public var closesWithinBudget: Bool

    public init(grammar: Grammar, forceTokens: Bool = true, closesWithinBudget: Bool = true) {
        self.grammar = grammar
        self.forceTokens = forceTokens
        self.closesWithinBudget = closesWithinBudget
    }

    /// Tokens of slack kept when closing: the budget left when the completion is spelled
    /// out is at most its length plus this (one sampled token can open a structure that
    /// needs more bytes to close, so closing starts before the last moment).
    static func closingMargin(limit: Int) -> Int { max(8, limit / 16) }

    /// Forced tokens appended at most per step (a bound on the work a step does for one
    /// sequence; the rest follow next step).
    static let forcedTokensPerStep = 32
}
