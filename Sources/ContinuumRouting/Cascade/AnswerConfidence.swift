/// How sure a model was of the answer it generated, from its own token log-probabilities
/// (AdaSwitch, CE-CoLLM: a small model's low confidence predicts a wrong answer). The score
/// is the geometric mean of the chosen tokens' probabilities, exp(mean logprob), in 0...1:
/// length-neutral, and for a one-token answer ("B") exactly that token's probability.
public struct AnswerConfidence: Sendable, Equatable {
    /// exp(mean logprob) over the tokens seen; 1 when none were seen (an empty answer has
    /// nothing to doubt; the caller decides what an empty answer means).
    public private(set) var score: Double = 1
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
        score = sum.isFinite ? Swift.max(0, Swift.min(1, (sum / Double(tokens)).expValue)) : 0
    }
}

private extension Double {
    var expValue: Double {
        // exp without Foundation: ContinuumRouting stays free of platform imports.
        if self < -745 { return 0 }
        var x = self, k = 0.0
        // exp(x) = 2^k · exp(r), r in [-ln2/2, ln2/2]
        let ln2 = 0.6931471805599453
        k = (x / ln2).rounded()
        x -= k * ln2
        var term = 1.0, total = 1.0
        for n in 1...20 {
            term *= x / Double(n)
            total += term
        }
        return total * Double(sign: .plus, exponent: Int(k), significand: 1)
    }
}
