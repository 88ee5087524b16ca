import ContinuumKernels
import Testing

@Suite struct AttentionTests {
    /// Prefill (n > 1, start 0), a later chunk (start > 0) and decode (n = 1), with GQA and odd
    /// lengths, on the portable, AVX2 and AVX-512 paths, reading an F16 cache (the reference runs
    /// on the same halves widened, so only the kernels' arithmetic is compared).
    @Test(arguments: [(5, 0), (7, 13), (1, 40), (1, 0), (3, 70)], [(64, 6, 2), (64, 14, 2), (64, 9, 3), (64, 4, 4), (48, 6, 2), (24, 6, 3), (128, 4, 2), (64, 34, 2)])
    func matchesReference(_ shape: (Int, Int), _ heads: (Int, Int, Int)) {
        let (n, start) = shape
        let (headDim, heads, kvHeads) = heads
        let positions = start + n
        var rng = Rng(UInt64(n * 100 + start + headDim))
        let q = rng.floats(n * heads * headDim, scale: 2)
        let kv = kvHeads * headDim + 8  // padded rows
        let keys = halves(rng.floats(positions * kv, scale: 2)), values = halves(rng.floats(positions * kv))
        var ref = [Float](repeating: 0, count: n * heads * headDim)
        Reference.attention(q: q, qStride: heads * headDim, keys: widened(keys), values: widened(values), kvStride: kv,
                            out: &ref, outStride: heads * headDim, n: n, start: start, heads: heads,
                            kvHeads: kvHeads, headDim: headDim, scale: 0.125)
        let context = ComputeContext(threads: 2)
        for isa in [KernelISA.scalar, .avx2, .avx512, .best] where isa.isSupported {
            var out = [Float](repeating: .nan, count: n * heads * headDim)
            Kernels.attention(q: q, qStride: heads * headDim, keys: keys, values: values, kvStride: kv,
                              out: &out, outStride: heads * headDim, n: n, start: start, heads: heads,
                              kvHeads: kvHeads, headDim: headDim, scale: 0.125, context: context, isa: isa)
            #expect(nmse(out, ref) < 1e-10, "n=\(n) start=\(start) d=\(headDim) \(isa)")
        }
    }
}
