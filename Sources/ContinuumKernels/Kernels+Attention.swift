internal import CContinuumKernels

extension Kernels {
    /// Causal attention over an F16 KV cache for `n` query positions (n = 1 is decode).
    /// Query i sits at position `start + i` and attends to key positions 0...start+i; head h reads
    /// kv head h / (heads / kvHeads) (grouped-query attention).
    ///   q (n, heads, headDim) floats with rows `qStride` floats apart,
    ///   keys/values (positions, kvHeads, headDim) binary16 bits (`Half`) with rows `kvStride` apart,
    ///   out (n, heads, headDim) with rows `outStride` floats apart (must not alias q).
    /// out = softmax(K·q·scale)·V per (query, head); (query, kv head) pairs are spread over the
    /// context's threads. Online softmax, no scratch; same paths as `pagedAttention`.
    public static func attention(
        q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
        kvStride: Int, out: UnsafeMutablePointer<Float>, outStride: Int,
        n: Int, start: Int, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        context: ComputeContext, isa: KernelISA = .best
    ) {
        precondition(kvHeads > 0 && heads % kvHeads == 0, "heads must be a multiple of kvHeads")
        var args = ck_attention_args(
            q: q, k: keys, v: values, out: out, n: Int32(n), start: Int32(start), heads: Int32(heads),
            kv_heads: Int32(kvHeads), head_dim: Int32(headDim), q_stride: qStride, kv_stride: kvStride,
            out_stride: outStride, scale: scale)
        ck_attention(context.pool, isa.rawValue, &args)
    }

    /// Rounds `count` floats to binary16 bits (nearest even): the one rounding every key and
    /// value goes through when written to a KV cache, whatever kernel path runs.
    @inline(__always)
    public static func roundToHalf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt16>, count: Int) {
        ck_f32_to_f16_row(x, y, count)
    }

    /// Widens `count` binary16 values to floats (exact).
    public static func widenHalf(_ x: UnsafePointer<UInt16>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        ck_f16_to_f32_row(x, y, count)
    }
}

extension Reference {
    /// Scalar reference of `Kernels.attention` (Double accumulation) on f32 keys and values
    /// (pass the F16 cache widened, e.g. with `Kernels.widenHalf`).
    public static func attention(
        q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        kvStride: Int, out: UnsafeMutablePointer<Float>, outStride: Int,
        n: Int, start: Int, heads: Int, kvHeads: Int, headDim: Int, scale: Float
    ) {
        let group = heads / kvHeads
        for i in 0..<n {
            for h in 0..<heads {
                let qh = q + i * qStride + h * headDim
                let g = h / group
                let len = start + i + 1
                var s = [Double](repeating: 0, count: len)
                for t in 0..<len {
                    var acc = 0.0
                    for j in 0..<headDim { acc += Double(qh[j]) * Double(keys[t * kvStride + g * headDim + j]) }
                    s[t] = acc * Double(scale)
                }
                let m = s.max()!
                var sum = 0.0
                for t in 0..<len { s[t] = Double(expF(Float(s[t] - m))); sum += s[t] }
                let o = out + i * outStride + h * headDim
                for j in 0..<headDim {
                    var acc = 0.0
                    for t in 0..<len { acc += s[t] * Double(values[t * kvStride + g * headDim + j]) }
                    o[j] = Float(acc / sum)
                }
            }
        }
    }
}
