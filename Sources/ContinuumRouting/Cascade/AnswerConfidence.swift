import Foundation

/// How sure a model was of the answer it generated, from its own token log-probabilities
/// (AdaSwitch, CE-CoLLM: a small model's low confidence predicts a wrong answer). The score
/// is the geometric mean of the chosen tokens' probabilities, exp(mean logprob), in 0...1:
/// length-neutral, and for a one-token answer ("B") exactly that token's probability.
public struct AnswerConfidence: Sendable, Equatable {
    /// exp(mean logprob) over the tokens seen; 1 when none were seen (an empty answer has
    /// nothing to doubt; the caller decides what an empty answer means).
    public var score: Double {
        guard tokens > 0 else { return 1 }
        return sum.isFinite ? max(0, min(1, exp(sum / Double(tokens)))) : 0
    }
    public private(set) var tokens = 0
    private var sum = 0.0

    public init() {}

    public init<S: Sequence>(logprobs: S) where S.Element == Float {
        for l in logprobs { add(l) }
    }

    /// Adds one generated token's log-probability (natural log, ≤ 0; NaN counts as certain failure).
    public mutating func add(_ logprob: Float) {
        let l = logprob.isNaN ? -Double.infinity : min(0, Double(logprob))
        sum += l
        tokens += 1
    }
}
