import ContinuumKernels
import Testing

/// The kernels Gemma 3 added: GeGLU (tanh GELU) and the sliding-window limit of paged attention.
@Suite struct GemmaKernelTests {
    /// The dispatched GeGLU (AVX-512/AVX2 sigmoid form) against the scalar reference written as
    /// ggml's tanh formula, over the range activations take and the saturated ends.
    @Test func gegluMatchesReference() {
        var rng = Rng(11)
        var x = rng.floats(4099, scale: 12)
        x += [0, -0.0, 1, -1, 3, -3, 30, -30, 200, -200, 1e-20]
        let up = (0..<x.count).map { i in i % 3 == 0 ? 1 : rng.float() * 2 }
        var fast = x, ref = x
        fast.withUnsafeMutableBufferPointer { Kernels.geglu($0.baseAddress!, up, n: x.count) }
        ref.withUnsafeMutableBufferPointer { Reference.geglu($0.baseAddress!, up, n: x.count) }
        for i in x.indices {
            let tolerance = 2e-6 * max(1, abs(ref[i]))
            #expect(abs(fast[i] - ref[i]) <= tolerance, "x \(x[i]) up \(up[i]): \(fast[i]) vs reference \(ref[i])")
            #expect(fast[i].isFinite)
        }
        // known values of GELU (tanh approximation): gelu(1) = 0.841192, gelu(-1) = -0.158808
        var known: [Float] = [1, -1, 0]
        known.withUnsafeMutableBufferPointer { Reference.geglu($0.baseAddress!, [1, 1, 1], n: 3) }
        #expect(abs(known[0] - 0.841192) < 1e-5 && abs(known[1] + 0.158808) < 1e-5 && known[2] == 0)
    }

    /// One sequence in shuffled blocks; queries at positions below, at and beyond the window.
    /// With a window each query equals the reference over its last `window` positions only; the
    /// same call without a window (or with one longer than the sequence) is bitwise the
    /// unwindowed kernel.
    @Test(arguments: [KernelISA.scalar, .avx2, .avx512, .best].filter(\.isSupported))
    func slidingWindowMatchesReference(isa: KernelISA) {
        let heads = 4, kvHeads = 1, hd = 256, blockSize = 8, kvd = kvHeads * hd, qd = heads * hd
        let length = 70, window = 21
        var rng = Rng(5)
        let blocks = (length + blockSize - 1) / blockSize
        let table = (0..<blocks).map { Int32(($0 * 5 + 3) % blocks) }  // 9 blocks, out of order
        let keys = halves(rng.floats(blocks * blockSize * kvd, scale: 2)), values = halves(rng.floats(blocks * blockSize * kvd))
        let positions: [Int32] = [0, 5, 20, 21, 22, 40, 69]
        let q = rng.floats(positions.count * qd)
        let scale: Float = 0.0625
        let context = ComputeContext(threads: 2)
        func run(window: Int) -> [Float] {
            var out = [Float](repeating: .nan, count: positions.count * qd)
            let offsets = [Int32](repeating: 0, count: positions.count)
            positions.withUnsafeBufferPointer { p in
                offsets.withUnsafeBufferPointer { o in
                    table.withUnsafeBufferPointer { t in
                        out.withUnsafeMutableBufferPointer { ob in
                            Kernels.pagedAttention(
                                q: q, qStride: qd, keys: keys, values: values, kvStride: kvd, out: ob.baseAddress!, outStride: qd,
                                n: positions.count, layout: PagedAttentionLayout(positions: p.baseAddress!, tableOffsets: o.baseAddress!,
                                                                                 tables: t.baseAddress!, blockSize: blockSize),
                                heads: heads, kvHeads: kvHeads, headDim: hd, scale: scale, window: window, context: context, isa: isa)
                        }
                    }
                }
            }
            return out
        }
        let windowed = run(window: window)
        for (i, pos) in positions.map(Int.init).enumerated() {
            let first = max(0, pos - window + 1)
            var k: [UInt16] = [], v: [UInt16] = []
            for j in first...pos {
                let slot = Int(table[j / blockSize]) * blockSize + j % blockSize
                k += keys[(slot * kvd)..<((slot + 1) * kvd)]
                v += values[(slot * kvd)..<((slot + 1) * kvd)]
            }
            var expected = [Float](repeating: 0, count: qd)
            Array(q[(i * qd)..<((i + 1) * qd)]).withUnsafeBufferPointer { qi in
                expected.withUnsafeMutableBufferPointer { e in
                    Reference.attention(q: qi.baseAddress!, qStride: qd, keys: widened(k), values: widened(v), kvStride: kvd,
                                        out: e.baseAddress!, outStride: qd, n: 1, start: pos - first, heads: heads,
                                        kvHeads: kvHeads, headDim: hd, scale: scale)
                }
            }
            let got = Array(windowed[(i * qd)..<((i + 1) * qd)])
            #expect(nmse(got, expected) < 1e-10, "position \(pos): nmse \(nmse(got, expected))")
        }
        let plain = run(window: 0)
        #expect(run(window: length + 5) == plain)
        // the window changes the queries that see more than `window` positions, and only those
        for (i, pos) in positions.enumerated() {
            let differs = windowed[(i * qd)..<((i + 1) * qd)] != plain[(i * qd)..<((i + 1) * qd)]
            #expect(differs == (pos >= window), "position \(pos)")
        }
    }
}
