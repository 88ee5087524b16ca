/// k-fold cross-validation of the logistic router: folds by `PromptFolds`, a model trained
/// on the other folds scores each fold, and the out-of-fold scores are measured per
/// benchmark with `QualityCurve`. Everything is deterministic, so the report is too.
public struct QualityCrossValidation: Sendable {
    public struct Row: Sendable, Equatable {
        public let benchmark: String
        public let prompts: Int
        public let escalating: Int
        public let weak: Double
        public let strong: Double
        public let router: Measures
        public let random: Measures
    }

    public struct Measures: Sendable, Equatable {
        public let apgr: Double
        public let cpt50: Double
        public let cpt80: Double
        public init(_ c: QualityCurve) {
            apgr = c.apgr
            cpt50 = c.cpt(0.5)
            cpt80 = c.cpt(0.8)
        }
    }

    /// Out-of-fold escalation score of each example, in input order.
    public let outOfFold: [Double]
    public let rows: [Row]

    public init(examples: [QualityExample], embeddings: [[Float]], folds: Int = 5, lambda: Double, iterations: Int,
                progress: (Int) -> Void = { _ in }) throws(QualityRouterError) {
        guard examples.count == embeddings.count, !examples.isEmpty else { throw QualityRouterError("need one embedding per example") }
        guard folds >= 2 else { throw QualityRouterError("need at least two folds") }
        let fold = examples.map { PromptFolds.fold(of: $0.prompt, folds: folds) }
        var oof = [Double](repeating: .nan, count: examples.count)
        for f in 0..<folds {
            let train = fold.indices.filter { fold[$0] != f }, test = fold.indices.filter { fold[$0] == f }
            guard !train.isEmpty else { throw QualityRouterError("fold \(f) leaves nothing to train on") }
            let model = try Logistic.fit(rows: train.map { embeddings[$0] }, labels: train.map { examples[$0].escalates },
                                         lambda: lambda, iterations: iterations)
            for i in test { oof[i] = model.score(embeddings[i]) }
            progress(f)
        }
        outOfFold = oof
        var benchmarks: [String] = []
        for e in examples where !benchmarks.contains(e.benchmark) { benchmarks.append(e.benchmark) }
        rows = try benchmarks.map { (b: String) throws(QualityRouterError) -> Row in
            let idx = examples.indices.filter { examples[$0].benchmark == b }
            let weak = idx.map { examples[$0].weak }, strong = idx.map { examples[$0].strong }
            let curve = try QualityCurve(scores: idx.map { oof[$0] }, weak: weak, strong: strong)
            return Row(benchmark: b, prompts: idx.count, escalating: idx.filter { examples[$0].escalates }.count,
                       weak: curve.weak, strong: curve.strong, router: Measures(curve),
                       random: Measures(try QualityCurve.random(weak: curve.weak, strong: curve.strong)))
        }
    }
}
