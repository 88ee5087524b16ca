/// A served model name answered by a tier cascade (AdaSwitch, CE-CoLLM, RouteLLM): the
/// request goes to the first step (the smallest, closest model) unless a router, reading the
/// prompt before anything is generated, predicts that step will fall short; the first
/// step's answer is returned unless its own confidence says it is likely wrong, and then the
/// original request goes to the next step. Personal data narrows the steps to the allowed
/// tiers first. Every decision is in the `x-continuum-*` headers and the ledger rows.
public struct Cascade: Sendable {
    public let name: String
    /// Served model names, smallest/closest first.
    public let steps: [String]
    public let before: BeforeRouting?
    public let after: AfterCheck?

    public init(name: String, steps: [String], before: BeforeRouting? = nil, after: AfterCheck? = nil) {
        precondition(steps.count >= 2, "a cascade needs two steps")
        self.name = name
        self.steps = steps
        self.before = before
        self.after = after
    }

    /// Choosing before generating: a prompt whose score reaches `threshold` skips the first step.
    public struct BeforeRouting: Sendable {
        /// Higher means the first step is more likely to fall short.
        public let score: @Sendable (String) throws -> Double
        public let threshold: Double
        /// For route reasons, e.g. "router minilm-logistic (escalates 30%)".
        public let label: String

        public init(label: String, threshold: Double, score: @escaping @Sendable (String) throws -> Double) {
            self.label = label
            self.threshold = threshold
            self.score = score
        }
    }

    /// Escalating after generating: the first `bufferTokens` tokens of a step's answer are
    /// held back; if their confidence (``AnswerConfidence``) is below `minConfidence` the
    /// answer is dropped and the request goes to the next step, else it is returned (a
    /// stream then continues live). A shorter answer is judged whole.
    public struct AfterCheck: Sendable {
        public let minConfidence: Double
        public let bufferTokens: Int

        public init(minConfidence: Double, bufferTokens: Int) {
            self.minConfidence = minConfidence
            self.bufferTokens = max(1, bufferTokens)
        }
    }
}
