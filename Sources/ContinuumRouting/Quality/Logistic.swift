import Foundation

/// L2-regularised logistic regression fitted by Newton's method: a fixed number of steps from
/// zero, sums in a fixed order, a Cholesky solve — the same data give the same weights, bit
/// for bit, on every run. Sized for embeddings (a few hundred dimensions, thousands of rows):
/// one step costs rows × dimension² / 2 multiply-adds.
public enum Logistic {
    public struct Model: Sendable, Equatable {
        public let weights: [Double]
        public let bias: Double
        public func score(_ x: [Float]) -> Double {
            var z = bias
            for i in 0..<weights.count { z += weights[i] * Double(x[i]) }
            return sigmoid(z)
        }
    }

    public static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// Minimises mean log-loss + λ/2·|w|² (the bias is not penalised). `rows` all of one
    /// length; labels true for "escalate".
    public static func fit(rows: [[Float]], labels: [Bool], lambda: Double, iterations: Int) throws(QualityRouterError) -> Model {
        guard !rows.isEmpty, rows.count == labels.count else { throw QualityRouterError("need as many labels as rows, and some rows") }
        let d = rows[0].count
        guard d > 0, rows.allSatisfy({ $0.count == d }) else { throw QualityRouterError("rows must all have the same, non-zero length") }
        guard lambda > 0, lambda.isFinite else { throw QualityRouterError("lambda must be positive") }
        guard (1...100).contains(iterations) else { throw QualityRouterError("iterations must be 1…100") }
        let n = rows.count, m = d + 1  // the last coordinate is the bias
        var w = [Double](repeating: 0, count: m)
        var x = [Double](repeating: 0, count: n * m)
        for r in 0..<n {
            for j in 0..<d { x[r * m + j] = Double(rows[r][j]) }
            x[r * m + d] = 1
        }
        let y = labels.map { $0 ? 1.0 : 0.0 }
        for _ in 0..<iterations {
            var g = [Double](repeating: 0, count: m)
            var h = [Double](repeating: 0, count: m * m)  // upper triangle, row-major
            x.withUnsafeBufferPointer { xb in
                g.withUnsafeMutableBufferPointer { gb in
                    h.withUnsafeMutableBufferPointer { hb in
                        for r in 0..<n {
                            let row = xb.baseAddress! + r * m
                            var z = 0.0
                            for j in 0..<m { z += w[j] * row[j] }
                            let p = sigmoid(z)
                            let e = p - y[r], v = p * (1 - p)
                            for j in 0..<m {
                                gb[j] += e * row[j]
                                let vj = v * row[j]
                                let hrow = hb.baseAddress! + j * m
                                for k in j..<m { hrow[k] += vj * row[k] }
                            }
                        }
                    }
                }
            }
            let inv = 1 / Double(n)
            for j in 0..<m {
                g[j] = g[j] * inv + (j < d ? lambda * w[j] : 0)
                for k in j..<m { h[j * m + k] *= inv }
                if j < d { h[j * m + j] += lambda }
            }
            let step = try choleskySolve(upper: h, m, g)
            for j in 0..<m { w[j] -= step[j] }
        }
        guard w.allSatisfy(\.isFinite) else { throw QualityRouterError("training diverged") }
        return Model(weights: Array(w[0..<d]), bias: w[d])
    }

    /// Solves A·s = b for symmetric positive-definite A given by its upper triangle.
    static func choleskySolve(upper a: [Double], _ m: Int, _ b: [Double]) throws(QualityRouterError) -> [Double] {
        // A = Uᵀ U, U upper triangular, stored row-major in u.
        var u = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            var s = a[i * m + i]
            for k in 0..<i { s -= u[k * m + i] * u[k * m + i] }
            guard s > 0 else { throw QualityRouterError("the Hessian is not positive definite") }
            let dii = s.squareRoot()
            u[i * m + i] = dii
            for j in (i + 1)..<max(i + 1, m) {
                var t = a[i * m + j]
                for k in 0..<i { t -= u[k * m + i] * u[k * m + j] }
                u[i * m + j] = t / dii
            }
        }
        var z = b  // Uᵀ z = b
        for i in 0..<m {
            var s = z[i]
            for k in 0..<i { s -= u[k * m + i] * z[k] }
            z[i] = s / u[i * m + i]
        }
        var s = z  // U s = z
        for i in stride(from: m - 1, through: 0, by: -1) {
            var t = s[i]
            for k in (i + 1)..<max(i + 1, m) { t -= u[i * m + k] * s[k] }
            s[i] = t / u[i * m + i]
        }
        return s
    }
}
