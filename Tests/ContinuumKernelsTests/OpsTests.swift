import ContinuumKernels
import Testing

@Suite struct OpsTests {
    @Test(arguments: [1, 7, 64, 576, 1000])
    func floatOps(_ n: Int) {
        var rng = Rng(UInt64(n))
        let a = rng.floats(n, scale: 3), b = rng.floats(n, scale: 3)
        #expect(abs(Kernels.dot(a, b, n: n) - Reference.dot(a, b, n: n)) < 1e-5 * Float(n))

        var y1 = b, y2 = b
        Kernels.axpy(0.7, a, &y1, n: n)
        Reference.axpy(0.7, a, &y2, n: n)
        #expect(nmse(y1, y2) < 1e-10)

        var o1 = [Float](repeating: 0, count: n), o2 = o1
        Kernels.rmsNorm(a, weight: b, n: n, eps: 1e-5, out: &o1)
        Reference.rmsNorm(a, weight: b, n: n, eps: 1e-5, out: &o2)
        #expect(nmse(o1, o2) < 1e-10)

        var s1 = a, s2 = a
        Kernels.softmax(&s1, n: n)
        Reference.softmax(&s2, n: n)
        #expect(nmse(s1, s2) < 1e-12)
        #expect(abs(s1.reduce(0, +) - 1) < 1e-4)

        var g1 = a, g2 = a
        Kernels.swiglu(&g1, b, n: n)
        Reference.swiglu(&g2, b, n: n)
        #expect(nmse(g1, g2) < 1e-12)
    }

    @Test(arguments: [false, true])
    func rope(_ neox: Bool) {
        let heads = 3, headDim = 64
        var rng = Rng(5)
        let x = rng.floats(heads * headDim)
        for pos in [0, 1, 17, 500] {
            var a = x, b = x
            Kernels.rope(&a, heads: heads, headDim: headDim, ropeDim: headDim, position: pos, base: 10000, neox: neox)
            Reference.rope(&b, heads: heads, headDim: headDim, ropeDim: headDim, position: pos, base: 10000, neox: neox)
            #expect(nmse(a, b) < 1e-8, "pos \(pos)")  // float theta recurrence (as ggml) vs double pow
        }
        // position 0 is the identity; a pair at position 1, dim 0 rotates by 1 radian
        var z = x
        Kernels.rope(&z, heads: heads, headDim: headDim, ropeDim: headDim, position: 0, base: 10000, neox: neox)
        #expect(z == x)
        var e = [Float](repeating: 0, count: headDim)
        e[0] = 1
        Kernels.rope(&e, heads: 1, headDim: headDim, ropeDim: headDim, position: 1, base: 10000, neox: neox)
        #expect(abs(e[0] - 0.5403023) < 1e-6)
        #expect(abs(e[neox ? headDim / 2 : 1] - 0.84147098) < 1e-6)
    }
}

@Test func avx2FloatOpsMatchReference() {
    #expect(Kernels.selfTestAVX2FloatOps() == 0)
}

@Test func avx2ActivationQuantizerIsBitIdentical() {
    #expect(Kernels.selfTestAVX2Quantizer() == 0)
}

@Suite struct ActivationRangeTests {
    /// softmax / swiglu stay finite and accurate over the whole float range the model produces.
    @Test func extremes() {
        let xs: [Float] = [-1000, -100, -87.5, -30, -1, 0, 1e-8, 1, 30, 88, 100, 1000]
        var g1 = xs, g2 = xs
        let up = [Float](repeating: 1, count: xs.count)
        Kernels.swiglu(&g1, up, n: xs.count)
        Reference.swiglu(&g2, up, n: xs.count)
        for i in 0..<xs.count {
            #expect(g1[i].isFinite)
            #expect(abs(g1[i] - g2[i]) <= 1e-6 * max(1, abs(g2[i])), "silu(\(xs[i]))")
        }
        var s = xs
        Kernels.softmax(&s, n: xs.count)
        #expect(abs(s.reduce(0, +) - 1) < 1e-5)
        #expect(s.allSatisfy { $0.isFinite && $0 >= 0 })
        var minusInf: [Float] = [0, -.infinity, 1]
        Kernels.softmax(&minusInf, n: 3)
        #expect(minusInf[1] == 0)
    }
}
