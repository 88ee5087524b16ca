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

    public init(grammar: Grammar, forceTokens: Bool = true) {
        self.grammar = grammar
        self.forceTokens = forceTokens
    }

    /// Forced tokens appended at most per step (a bound on the work a step does for one
    /// sequence; the rest follow next step).
    static let forcedTokensPerStep = 32
}
