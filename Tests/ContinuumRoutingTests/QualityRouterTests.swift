import ContinuumRouting
import Foundation
import Testing

/// The committed router file (routers/minilm-logistic.json) as the gateway will load it.
@Suite struct QualityRouterFileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let routerURL = packageRoot.appendingPathComponent("routers/minilm-logistic.json")

    func router() throws -> QualityRouter {
        try QualityRouter.decode(from: Data(contentsOf: Self.routerURL))
    }

    /// Unit vectors from a fixed seed: stand-ins for embeddings of unknown prompts.
    static func unitVectors(_ count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let v = (0..<dimension).map { _ in Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / n }
        }
    }

    @Test func decodesAndIsSmall() throws {
        let r = try router()
        #expect(r.embeddingModel == "all-MiniLM-L6-v2")
        #expect(r.dimension == 384 && r.weights.count == 384)
        #expect(r.calibration.count == 101)
        #expect(r.training.examples > 3000 && r.training.benchmarks.contains("gsm8k") && r.training.benchmarks.contains("mt-bench"))
        let size = try Data(contentsOf: Self.routerURL).count
        #expect(size < 64 * 1024, "router file is \(size) bytes")
        // Re-encoding and decoding gives the same router.
        #expect(try QualityRouter.decode(from: r.encoded()) == r)
    }

    @Test func decisionsAreDeterministic() throws {
        let a = try router(), b = try router()
        let t = a.threshold(forEscalationShare: 0.3)
        for v in Self.unitVectors(200, dimension: 384, seed: 7) {
            let s = try a.score(v)
            #expect(s > 0 && s < 1)
            #expect(s.bitPattern == (try a.score(v)).bitPattern)
            #expect(s.bitPattern == (try b.score(v)).bitPattern)
            #expect((s >= t) == (try b.score(v) >= b.threshold(forEscalationShare: 0.3)))
        }
    }

    @Test func thresholdsFallAsTheShareRises() throws {
        let r = try router()
        let shares = stride(from: 0.0, through: 1.0, by: 0.01).map { $0 }
        let ts = shares.map { r.threshold(forEscalationShare: $0) }
        for (x, y) in zip(ts, ts.dropFirst()) { #expect(x >= y) }
        #expect(ts.first == .infinity && ts.last == 0)
        // 30% escalated: the 70th of the 101 calibration quantiles.
        #expect(r.threshold(forEscalationShare: 0.3) == r.calibration[70])
        // On the calibration distribution the share escalated is the one asked for.
        let escalated = r.calibration.filter { $0 >= r.threshold(forEscalationShare: 0.25) }.count
        #expect(escalated == 26)  // quantiles 75…100
    }

    @Test func refusesWrongEmbeddingsAndBrokenFiles() throws {
        let r = try router()
        #expect(throws: QualityRouterError.self) { try r.score([Float](repeating: 0.1, count: 768)) }
        #expect(throws: QualityRouterError.self) { try r.score([Float](repeating: .nan, count: 384)) }
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.routerURL)) as! [String: Any]
        json["weights"] = [0.5, 0.25]
        do {
            _ = try QualityRouter.decode(from: JSONSerialization.data(withJSONObject: json))
            Issue.record("a file with 2 weights for dimension 384 decoded")
        } catch {
            #expect("\(error)".contains("2 weights for dimension 384"), "\(error)")
        }
        #expect(throws: QualityRouterError.self) { try QualityRouter.decode(from: Data("{\"format\": 1}".utf8)) }
    }
}

@Suite struct QualityMetricTests {
    /// Four prompts, scores 0.9, 0.1, 0.5, 0.3; the weak model gets prompts 1 and 3 right, the
    /// strong one all. Four bins: thresholds (linear quantiles) 0.1, 0.25, 0.4, 0.6 and, at the
    /// top, > 0.9: strong shares 1, .75, .5, .25, 0 with performance 1, 1, 1, .75, .5, so PGR
    /// 1, 1, 1, .5, 0. Trapezoids: .0625 + .1875 + .25 + .25 = .75 = APGR; CPT(50%) = .25;
    /// CPT(80%) = .25 + (.8 − .5)/(1 − .5)·.25 = .40.
    @Test func handComputedCurve() throws {
        let c = try QualityCurve(scores: [0.9, 0.1, 0.5, 0.3], weak: [0, 1, 0, 1], strong: [1, 1, 1, 1], bins: 4)
        #expect(c.points.map(\.share) == [0, 0.25, 0.5, 0.75, 1])
        #expect(c.points.map(\.performance) == [0.5, 0.75, 1, 1, 1])
        #expect(c.weak == 0.5 && c.strong == 1)
        #expect(abs(c.apgr - 0.75) < 1e-12)
        #expect(abs(c.cpt(0.5) - 0.25) < 1e-12)
        #expect(abs(c.cpt(0.8) - 0.40) < 1e-12)
        #expect(c.cpt(1.01) == 1)
    }

    /// A router that ranks backwards recovers the gap last: APGR below one half.
    @Test func backwardsRouterScoresBelowRandom() throws {
        let c = try QualityCurve(scores: [0.1, 0.9, 0.5, 0.7], weak: [0, 1, 0, 1], strong: [1, 1, 1, 1], bins: 4)
        #expect(c.apgr < 0.5)
        #expect(c.cpt(0.5) > 0.5)
    }

    /// Equal scores route everything or nothing: the curve is the straight line of random routing.
    @Test func constantScoresAreRandom() throws {
        let c = try QualityCurve(scores: [0.3, 0.3, 0.3], weak: [1, 0, 0], strong: [1, 1, 0])
        #expect(abs(c.apgr - 0.5) < 1e-12)
        #expect(abs(c.cpt(0.5) - 0.5) < 1e-12)
    }

    @Test func randomRoutingInExpectation() throws {
        let c = try QualityCurve.random(weak: 8.28, strong: 9.21)
        #expect(abs(c.apgr - 0.5) < 1e-12)
        #expect(abs(c.cpt(0.5) - 0.5) < 1e-12 && abs(c.cpt(0.8) - 0.8) < 1e-12)
    }

    @Test func refusesCurvesWithoutAGap() {
        #expect(throws: QualityRouterError.self) { try QualityCurve(scores: [0.1, 0.2], weak: [1, 1], strong: [1, 1]) }
        #expect(throws: QualityRouterError.self) { try QualityCurve(scores: [0.1], weak: [1, 1], strong: [1]) }
    }

    @Test func budgetGivesAShare() throws {
        #expect(try EscalationBudget.share(smallCost: 1, largeCost: 11, budgetPerRequest: 3) == 0.2)
        #expect(try EscalationBudget.share(smallCost: 1, largeCost: 11, budgetPerRequest: 0.5) == 0)
        #expect(try EscalationBudget.share(smallCost: 1, largeCost: 11, budgetPerRequest: 20) == 1)
        #expect(try EscalationBudget.share(smallCost: 2, largeCost: 2, budgetPerRequest: 0) == 1)
        #expect(throws: QualityRouterError.self) { try EscalationBudget.share(smallCost: -1, largeCost: 2, budgetPerRequest: 1) }
    }
}

@Suite struct QualityTrainingTests {
    /// Newton's method reaches the regularised optimum: the gradient there is (close to) zero.
    @Test func logisticFitIsOptimalAndDeterministic() throws {
        let rows = QualityRouterFileTests.unitVectors(300, dimension: 16, seed: 3)
        // Labels from a hidden direction, with every seventh flipped so the data are not separable.
        let labels = rows.enumerated().map { i, r in (r[0] + 0.5 * r[1] > 0.1) != (i % 7 == 0) }
        let lambda = 0.01
        let m = try Logistic.fit(rows: rows, labels: labels, lambda: lambda, iterations: 10)
        var g = [Double](repeating: 0, count: 17)
        for (r, y) in zip(rows, labels) {
            let e = m.score(r) - (y ? 1 : 0)
            for j in 0..<16 { g[j] += e * Double(r[j]) / 300 }
            g[16] += e / 300
        }
        for j in 0..<16 { g[j] += lambda * m.weights[j] }
        #expect(g.allSatisfy { abs($0) < 1e-10 }, "gradient \(g)")
        #expect(m.weights[0] > 0 && m.weights[1] > 0)
        #expect(try Logistic.fit(rows: rows, labels: labels, lambda: lambda, iterations: 10) == m)
    }

    @Test func foldsGroupPromptsByNormalisedText() {
        #expect(PromptFolds.fingerprint("") == 0xcbf2_9ce4_8422_2325)
        #expect(PromptFolds.fingerprint("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(PromptFolds.normalised("  What is\n 2+2?  ") == "what is 2+2?")
        for p in ["What is 2+2?", "Name three rivers.", "Write a haiku"] {
            #expect(PromptFolds.fold(of: p, folds: 5) == PromptFolds.fold(of: "  " + p.uppercased() + "\n", folds: 5))
        }
    }

    @Test func trainsARouterWhoseScoresRankTheLabels() throws {
        let rows = QualityRouterFileTests.unitVectors(400, dimension: 8, seed: 11)
        let examples = rows.enumerated().map { i, r in
            QualityExample(prompt: "prompt \(i)", benchmark: i % 2 == 0 ? "a" : "b", weak: r[0] > 0 ? 0 : 1, strong: 1)
        }
        let (router, cv) = try QualityRouter.train(examples: examples, embeddings: rows, embeddingModel: "test")
        #expect(cv.rows.map(\.benchmark) == ["a", "b"])
        // The label is a linear function of the embedding: cross-validated APGR near the
        // best possible, 1 − p/2 for an escalating share p (perfect ranking: PGR rises to 1 at p).
        for row in cv.rows {
            let best = 1 - Double(row.escalating) / Double(row.prompts) / 2
            #expect(row.router.apgr > best - 0.03 && row.router.apgr <= best + 1e-12, "\(row)")
            #expect(row.random.apgr == 0.5)
        }
        #expect(router.dimension == 8 && router.training.examples == 400)
    }
}
