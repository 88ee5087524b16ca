internal import CContinuumKernels

/// Hot-path kernels. Nothing here allocates; scratch lives in ComputeContext.
public enum Kernels {
    /// Y (n, w.rows) = X (n, w.cols) · Wᵀ. X and Y row-major float. n = 1 is decode (matvec);
    /// n > 1 is prefill (batched). Rows are split across the context's threads.
    public static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>, context: ComputeContext) {
        let threads = context.threadCount
        let scratch = context.scratch(bytes: threads * w.cols * 4 + 64).bindMemory(to: Float.self, capacity: threads * w.cols)
        context.parallel { ith, nth in
            let row = scratch + ith * w.cols
            let per = (w.rows + nth - 1) / nth
            let r0 = ith * per, r1 = min(w.rows, r0 + per)
            guard r0 < r1 else { return }
            for r in r0..<r1 {
                Reference.dequantize(w.type, w.row(r), count: w.cols, into: row)
                for i in 0..<n { y[i * w.rows + r] = Reference.dot(row, x + i * w.cols, n: w.cols) }
            }
        }
    }

    /// Dequantizes row `row` of w into `out` (w.cols floats): embedding lookup.
    public static func dequantizeRow(_ w: WeightMatrix, row: Int, into out: UnsafeMutablePointer<Float>) {
        Reference.dequantize(w.type, w.row(row), count: w.cols, into: out)
    }

    /// out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i], n elements (out may alias x).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, n: Int, eps: Float, out: UnsafeMutablePointer<Float>) {
        Reference.rmsNorm(x, weight: weight, n: n, eps: eps, out: out)
    }

    /// In-place rotary embedding of `heads` heads of size headDim at position pos
    /// (freq_i = base^(-2i/ropeDim)). neox=false: rotate adjacent pairs (x[2i], x[2i+1]) (llama in
    /// GGUF); neox=true: rotate (x[i], x[i+ropeDim/2]) (qwen2).
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, ropeDim: Int, position: Int, base: Float, neox: Bool) {
        Reference.rope(x, heads: heads, headDim: headDim, ropeDim: ropeDim, position: position, base: base, neox: neox)
    }

    /// In-place softmax over n elements.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        Reference.softmax(x, n: n)
    }

    /// gate[i] = silu(gate[i]) * up[i]
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
        Reference.swiglu(gate, up, n: n)
    }

    /// Σ a[i]*b[i]
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, n: Int) -> Float {
        Reference.dot(a, b, n: n)
    }

    /// y[i] += alpha*x[i]
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int) {
        Reference.axpy(alpha, x, y, n: n)
    }
}
