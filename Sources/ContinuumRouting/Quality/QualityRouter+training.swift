extension QualityRouter {
    /// The defaults `continuum router train` ships with: chosen by 5-fold cross-validation
    /// over λ ∈ {1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1} (mean APGR over the five benchmarks);
    /// Newton converges in fewer than 8 steps at this λ.
    public static let defaultLambda = 0.01
    public static let defaultIterations = 8

    /// Trains on every example (pooled over benchmarks) and calibrates the share→threshold
    /// table on the out-of-fold scores of a k-fold cross-validation, which is also returned:
    /// those scores are what prompts the model has not seen look like.
    public static func train(examples: [QualityExample], embeddings: [[Float]], embeddingModel: String,
                             lambda: Double = defaultLambda, iterations: Int = defaultIterations, folds: Int = 5,
                             progress: (String) -> Void = { _ in }) throws(QualityRouterError) -> (QualityRouter, QualityCrossValidation) {
        let cv = try QualityCrossValidation(examples: examples, embeddings: embeddings, folds: folds, lambda: lambda,
                                            iterations: iterations, progress: { progress("fold \($0 + 1)/\(folds) trained") })
        let model = try Logistic.fit(rows: embeddings, labels: examples.map(\.escalates), lambda: lambda, iterations: iterations)
        progress("final model trained on \(examples.count) prompts")
        let router = try QualityRouter(
            embeddingModel: embeddingModel, weights: model.weights.map { Float($0) }, bias: model.bias,
            calibrationScores: cv.outOfFold,
            training: TrainingSummary(examples: examples.count, escalating: examples.filter(\.escalates).count,
                                      benchmarks: cv.rows.map(\.benchmark), lambda: lambda, iterations: iterations))
        return (router, cv)
    }
}
