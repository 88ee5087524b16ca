public import Foundation

/// Chooses before generating: from a prompt's embedding, a score for "the small model will
/// fall short" (logistic regression, RouteLLM's idea with a linear head on MiniLM vectors),
/// and a threshold that sends a chosen share of requests to the large model.
///
/// The gateway's use:
///
///     let router = try QualityRouter.decode(from: data)           // routers/minilm-logistic.json
///     let t = router.threshold(forEscalationShare: 0.3)            // once, at configuration
///     let large = try router.score(embedding) >= t                 // per request
///
/// Embeddings must come from the model named in `embeddingModel` (L2-normalised, as
/// `EmbeddingEngine` returns them); a vector of another length is an error, never a guess.
public struct QualityRouter: Codable, Sendable, Equatable {
    /// File format version; a reader refuses versions it does not know.
    public static let formatVersion = 1

    public let format: Int
    /// The embedding model the weights were trained on, e.g. "all-MiniLM-L6-v2".
    public let embeddingModel: String
    public let dimension: Int
    /// Logistic-regression weights (one per embedding dimension) and bias.
    public let weights: [Float]
    public let bias: Double
    /// Quantiles of the escalation score on prompts the model had not seen (out-of-fold
    /// scores from cross-validation), at 0, 1/(n-1), …, 1: maps a target escalation share to
    /// a threshold. Ascending.
    public let calibration: [Double]
    /// How it was trained, for the record (data, regularisation, iterations).
    public let training: TrainingSummary

    public struct TrainingSummary: Codable, Sendable, Equatable {
        public let examples: Int
        public let escalating: Int
        public let benchmarks: [String]
        public let lambda: Double
        public let iterations: Int
        public init(examples: Int, escalating: Int, benchmarks: [String], lambda: Double, iterations: Int) {
            self.examples = examples
            self.escalating = escalating
            self.benchmarks = benchmarks
            self.lambda = lambda
            self.iterations = iterations
        }
    }

    public init(embeddingModel: String, weights: [Float], bias: Double, calibrationScores: [Double],
                training: TrainingSummary, calibrationPoints: Int = 101) throws(QualityRouterError) {
        guard !weights.isEmpty else { throw QualityRouterError("no weights") }
        guard weights.allSatisfy(\.isFinite), bias.isFinite else { throw QualityRouterError("weights must be finite") }
        guard calibrationPoints >= 2 else { throw QualityRouterError("the calibration table needs at least 2 points") }
        let sorted = calibrationScores.sorted()
        guard !sorted.isEmpty, sorted.allSatisfy(\.isFinite) else { throw QualityRouterError("no finite calibration scores") }
        self.format = Self.formatVersion
        self.embeddingModel = embeddingModel
        self.dimension = weights.count
        self.weights = weights
        self.bias = bias
        self.calibration = (0..<calibrationPoints).map { Quantile.linear(sorted, Double($0) / Double(calibrationPoints - 1)) }
        self.training = training
    }

    /// Reads a router file and checks it is whole: known format, weights matching the
    /// dimension, an ascending calibration table.
    public static func decode(from data: Data) throws(QualityRouterError) -> QualityRouter {
        let r: QualityRouter
        do {
            r = try JSONDecoder().decode(QualityRouter.self, from: data)
        } catch {
            throw QualityRouterError("not a router file: \(error)")
        }
        guard r.format == formatVersion else { throw QualityRouterError("format \(r.format) is not \(formatVersion)") }
        guard r.dimension > 0, r.weights.count == r.dimension else {
            throw QualityRouterError("\(r.weights.count) weights for dimension \(r.dimension)")
        }
        guard r.weights.allSatisfy(\.isFinite), r.bias.isFinite else { throw QualityRouterError("weights must be finite") }
        guard r.calibration.count >= 2, r.calibration.allSatisfy(\.isFinite), zip(r.calibration, r.calibration.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw QualityRouterError("the calibration table must be at least 2 ascending finite scores")
        }
        return r
    }

    /// The file's bytes: pretty-printed, keys sorted, so a retrained router diffs cleanly.
    public func encoded() throws(QualityRouterError) -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try e.encode(self) } catch { throw QualityRouterError("cannot encode: \(error)") }
    }

    /// Probability-like score in (0, 1) that the small model falls short on this prompt:
    /// σ(w·x + b). Deterministic: the sum runs in a fixed order in Double.
    public func score(_ embedding: [Float]) throws(QualityRouterError) -> Double {
        guard embedding.count == dimension else {
            throw QualityRouterError("embedding has \(embedding.count) dimensions, the router \(dimension) (\(embeddingModel))")
        }
        var z = bias
        for i in 0..<dimension { z += Double(weights[i]) * Double(embedding[i]) }
        guard z.isFinite else { throw QualityRouterError("embedding is not finite") }
        return Logistic.sigmoid(z)
    }

    /// The score at or above which a request goes to the large model so that about `share`
    /// (0…1) of requests like the training mix do. Non-increasing in `share`; share ≤ 0
    /// gives +∞ (never escalate), share ≥ 1 gives 0 (always).
    public func threshold(forEscalationShare share: Double) -> Double {
        guard share.isFinite, share > 0 else { return .infinity }
        guard share < 1 else { return 0 }
        return Quantile.linear(calibration, 1 - share)
    }

    /// The same router with its calibration table taken from `scores` (e.g. the scores of
    /// live traffic), so that shares refer to that traffic instead of the training mix.
    public func recalibrated(scores: [Double], points: Int = 101) throws(QualityRouterError) -> QualityRouter {
        try QualityRouter(embeddingModel: embeddingModel, weights: weights, bias: bias, calibrationScores: scores,
                          training: training, calibrationPoints: points)
    }
}
