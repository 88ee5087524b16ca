/// One prompt with how well a weak (small, cheap) and a strong (large, dear) model answered
/// it: 0/1 correctness for graded benchmarks, a judge's 1–10 for MT-Bench, anything
/// comparable for outcomes measured live. The router learns `escalates` from the prompt.
public struct QualityExample: Sendable, Equatable {
    /// The text the router sees (for MT-Bench, the first turn: RouteLLM routes on it alone).
    public let prompt: String
    /// Where the row comes from ("gsm8k", "mt-bench", …); metrics are reported per benchmark.
    public let benchmark: String
    public let weak: Double
    public let strong: Double

    public init(prompt: String, benchmark: String, weak: Double, strong: Double) {
        self.prompt = prompt
        self.benchmark = benchmark
        self.weak = weak
        self.strong = strong
    }

    /// The label: the weak model falls short of the strong one, so escalating gains quality.
    /// Ties (both right, both wrong) are not worth the large model's price.
    public var escalates: Bool { strong > weak }
}
