internal import CContinuumKernels

/// Hot-path kernels. Nothing here allocates; scratch lives in ComputeContext.
///
/// matmul, the hot one, is C (CContinuumKernels), picked once per process from the CPU:
/// - X is quantized once per call to 8-bit blocks in the layout the weight format wants
///   (32-blocks with sums for q4_0…q8_0, 256-blocks with 16/32-sums for k-quants), then integer
///   dot products: AVX-512 VNNI (vpdpbusd) with VBMI permutes for the nibble formats, AVX2
///   (vpmaddubsw) otherwise, portable scalar C everywhere else (the reference the SIMD paths are
///   tested against, next to `Reference.matmul` in Swift).
/// - n = 1 streams one weight row at a time (16-block groups reduced once, 3 KB prefetch);
///   n > 1 runs 4 x 4 register tiles so each unpacked weight block serves 4 activation rows.
/// - Batch invariant: on a given instruction set, row c of Y has the same bits for every n and
///   thread count (each element's float sum runs in one fixed order, whatever the tile), so a
///   request's output does not depend on what it was batched with.
/// - Weight rows are split into chunks claimed dynamically by the context's threads.
public enum Kernels {
    /// Y (n, w.rows) = X (n, w.cols) · Wᵀ. X and Y row-major float. n = 1 is decode (matvec);
    /// n > 1 is prefill (batched). Rows are split across the context's threads; X is quantized
    /// once into the context's scratch (8-bit blocks matching W's format).
    public static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>, context: ComputeContext) {
        matmul(w, x, n: n, y, context: context, isa: .best)
    }

    /// `matmul` on a chosen instruction set (tests compare the SIMD and portable C paths).
    public static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>, context: ComputeContext, isa: KernelISA) {
        let bytes = ck_matmul_scratch_bytes(w.type.rawValue, Int32(w.cols), Int32(n))
        let scratch = context.scratch(bytes: bytes)
        let rc = ck_matmul(context.pool, isa.rawValue, w.type.rawValue, w.data, Int32(w.rows), Int32(w.cols), x, Int32(n), y, scratch)
        precondition(rc == 0, "unsupported weight type \(w.type)")
    }

    /// Dequantizes row `row` of w into `out` (w.cols floats): embedding lookup.
    public static func dequantizeRow(_ w: WeightMatrix, row: Int, into out: UnsafeMutablePointer<Float>) {
        ck_dequantize_row(w.type.rawValue, w.row(row), out, Int32(w.cols))
    }

    /// out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i], n elements (out may alias x).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, n: Int, eps: Float, out: UnsafeMutablePointer<Float>) {
        ck_rmsnorm_f32(x, weight, Int32(n), eps, out)
    }

    /// In-place rotary embedding of `heads` heads of size headDim at position pos
    /// (freq_i = base^(-2i/ropeDim)). neox=false: rotate adjacent pairs (x[2i], x[2i+1]) (llama in
    /// GGUF); neox=true: rotate (x[i], x[i+ropeDim/2]) (qwen2).
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, ropeDim: Int, position: Int, base: Float, neox: Bool) {
        // theta_i = pos * base^(-2i/ropeDim), advanced by one float multiply per pair as ggml does
        let scale = ck_powf(base, -2.0 / Float(ropeDim))
        var theta = Float(position)
        let half = ropeDim / 2
        for i in 0..<half {
            let c = ck_cosf(theta), s = ck_sinf(theta)
            let (a, b) = neox ? (i, i + half) : (2 * i, 2 * i + 1)
            var v = x
            for _ in 0..<heads {
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
                v += headDim
            }
            theta *= scale
        }
    }

    /// In-place softmax over n elements.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        ck_softmax_f32(x, Int32(n))
    }

    /// gate[i] = silu(gate[i]) * up[i]
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
        ck_swiglu_f32(gate, up, Int32(n))
    }

    /// gate[i] = gelu(gate[i]) * up[i], GELU's tanh approximation (Gemma's GeGLU feed-forward)
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
        ck_geglu_f32(gate, up, Int32(n))
    }

    /// Σ a[i]*b[i]
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, n: Int) -> Float {
        ck_dot_f32(a, b, Int32(n))
    }

    /// y[i] += alpha*x[i]
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int) {
        ck_axpy_f32(alpha, x, y, Int32(n))
    }
}
