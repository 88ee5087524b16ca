internal import CContinuumKernels

// Scalar reference float ops (norm, rope, softmax, activation); the fast versions must match these.

extension Reference {
    /// out (n,) = x (n,) / sqrt(mean(x²) + eps) * weight (n,); out may alias x.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, n: Int, eps: Float, out: UnsafeMutablePointer<Float>) {
        var ss: Double = 0
        for i in 0..<n { ss += Double(x[i]) * Double(x[i]) }
        let scale = Float(1 / (ss / Double(n) + Double(eps)).squareRoot())
        for i in 0..<n { out[i] = x[i] * scale * weight[i] }
    }

    /// x (heads, headDim) rotated in place at `position`; the first ropeDim dims of each head rotate.
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, ropeDim: Int, position: Int, base: Float, neox: Bool) {
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<(ropeDim / 2) {
                let freq = pow(Double(base), -2 * Double(i) / Double(ropeDim))
                let theta = Double(position) * freq
                let c = Float(cosD(theta)), s = Float(sinD(theta))
                let (a, b) = neox ? (i, i + ropeDim / 2) : (2 * i, 2 * i + 1)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
            }
        }
    }

    /// In-place softmax over x (n,).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        var s: Float = 0
        for i in 0..<n { x[i] = expF(x[i] - m); s += x[i] }
        let inv = 1 / s
        for i in 0..<n { x[i] *= inv }
    }

    /// gate (n,) = silu(gate) * up (n,)
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expF(-g)) * up[i]
        }
    }

    /// gate (n,) = gelu(gate) * up (n,), GELU's tanh approximation written as ggml's
    /// `ggml_gelu_f32`: 0.5·x·(1 + tanh(sqrt(2/π)·x·(1 + 0.044715·x²))).
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
        for i in 0..<n {
            let x = gate[i]
            let y: Float = 0.7978845608028654 * x * (1 + 0.044715 * x * x)
            let e = expF(-2 * abs(y))  // tanh(|y|) = (1 - e) / (1 + e), no overflow
            let t = (1 - e) / (1 + e)
            gate[i] = 0.5 * x * (1 + (y < 0 ? -t : t)) * up[i]
        }
    }

    /// Σ a[i]*b[i] over n
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, n: Int) -> Float {
        var s: Float = 0
        for i in 0..<n { s += a[i] * b[i] }
        return s
    }

    /// y (n,) += alpha * x (n,)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }
}

@inline(__always) func expF(_ x: Float) -> Float { ck_expf(x) }
@inline(__always) func cosD(_ x: Double) -> Double { ck_cos(x) }
@inline(__always) func sinD(_ x: Double) -> Double { ck_sin(x) }
@inline(__always) func pow(_ x: Double, _ y: Double) -> Double { ck_pow(x, y) }
