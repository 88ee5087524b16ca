/// RouteLLM's measures of a router (Ong et al., arXiv 2406.18665, §3 and
/// routellm/evals/evaluate.py), computed the way its evaluation code does:
///
/// - Thresholds at the 0, 1/bins, …, 1 quantiles of the router's scores (linear
///   interpolation, as `pd.qcut`); at each, requests scoring ≥ threshold (> at the top one)
///   go to the strong model. That gives bins + 1 points (share of strong calls, mean
///   performance), sorted by share.
/// - PGR at a point = (performance − weak) / (strong − weak), weak and strong being the
///   benchmark's mean with every request on that model.
/// - APGR = area under PGR over the call share, by the trapezoid rule over the points,
///   divided by the share's span (the area between the router's curve and the weak model's
///   line over that between the strong and weak lines).
/// - CPT(x) = the smallest share of strong calls at which the piecewise-linear PGR curve
///   reaches x. RouteLLM interpolates with `np.interp` on the performance axis, which
///   agrees when the curve rises monotonically; here a curve that dips is read at its first
///   crossing. Never reached → 1.
public struct QualityCurve: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        /// Share of requests sent to the strong model, 0…1.
        public let share: Double
        public let performance: Double
    }

    public let points: [Point]
    public let weak: Double
    public let strong: Double

    /// The curve of a router with these scores (higher = more in need of the strong model)
    /// on a benchmark where each request scored `weak[i]` on the weak model and `strong[i]`
    /// on the strong one.
    public init(scores: [Double], weak: [Double], strong: [Double], bins: Int = 10) throws(QualityRouterError) {
        let n = scores.count
        guard n > 0, weak.count == n, strong.count == n else { throw QualityRouterError("need one weak and one strong score per router score") }
        guard bins >= 1 else { throw QualityRouterError("need at least one bin") }
        guard scores.allSatisfy(\.isFinite), weak.allSatisfy(\.isFinite), strong.allSatisfy(\.isFinite) else {
            throw QualityRouterError("scores must be finite")
        }
        let sorted = scores.sorted()
        var pts: [Point] = []
        for i in 0...bins {
            let t = Quantile.linear(sorted, Double(i) / Double(bins))
            var count = 0, total = 0.0
            for r in 0..<n {
                let up = i < bins ? scores[r] >= t : scores[r] > t
                if up { count += 1 }
                total += up ? strong[r] : weak[r]
            }
            pts.append(Point(share: Double(count) / Double(n), performance: total / Double(n)))
        }
        let w = weak.reduce(0, +) / Double(n), s = strong.reduce(0, +) / Double(n)
        try self.init(points: pts, weak: w, strong: s)
    }

    /// A curve from given points (sorted here by share, stably).
    public init(points: [Point], weak: Double, strong: Double) throws(QualityRouterError) {
        guard points.count >= 2 else { throw QualityRouterError("a curve needs at least two points") }
        guard strong != weak else { throw QualityRouterError("the strong and weak models perform the same: no gap to recover") }
        self.points = points.enumerated().sorted { ($0.element.share, $0.offset) < ($1.element.share, $1.offset) }.map(\.element)
        self.weak = weak
        self.strong = strong
    }

    /// Random routing in expectation: sending a share c at random gives weak + c·(strong − weak),
    /// so PGR(c) = c, APGR = 0.5 and CPT(x) = x. (RouteLLM's tables average sampled runs,
    /// hence their 49–50%.)
    public static func random(weak: Double, strong: Double, bins: Int = 10) throws(QualityRouterError) -> QualityCurve {
        let b = max(1, bins)
        return try QualityCurve(points: (0...b).map { i in
            let c = Double(i) / Double(b)
            return Point(share: c, performance: weak + c * (strong - weak))
        }, weak: weak, strong: strong)
    }

    public func pgr(_ p: Point) -> Double { (p.performance - weak) / (strong - weak) }

    public var apgr: Double {
        let span = points.last!.share - points.first!.share
        guard span > 0 else { return pgr(points[0]) }
        var area = 0.0
        for (a, b) in zip(points, points.dropFirst()) { area += (b.share - a.share) * (pgr(a) + pgr(b)) / 2 }
        return area / span
    }

    /// Call-performance threshold: the least share of strong calls reaching PGR `target`.
    public func cpt(_ target: Double) -> Double {
        if pgr(points[0]) >= target { return points[0].share }
        for (a, b) in zip(points, points.dropFirst()) where pgr(b) >= target {
            let (pa, pb) = (pgr(a), pgr(b))
            return pb == pa ? a.share : a.share + (target - pa) / (pb - pa) * (b.share - a.share)
        }
        return 1
    }
}
