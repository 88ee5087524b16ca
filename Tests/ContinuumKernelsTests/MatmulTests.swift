import ContinuumKernels
import Testing

@Suite struct MatmulTests {
    static let context = ComputeContext(threads: 2)

    /// Y (n, rows) = X (n, cols) · Wᵀ against a float reference on the dequantized W.
    @Test(arguments: QuantType.allCases, [1, 3, 8])
    func matmulMatchesReference(_ type: QuantType, n: Int) {
        let rows = 37, cols = 512
        let m = TestMatrix(type, rows: rows, cols: cols, seed: UInt64(type.rawValue) + 7)
        var rng = Rng(99)
        let x = rng.floats(n * cols)
        var y = [Float](repeating: 0, count: n * rows)
        var ref = [Float](repeating: 0, count: n * rows)
        x.withUnsafeBufferPointer { xp in
            Kernels.matmul(m.w, xp.baseAddress!, n: n, &y, context: Self.context)
            Reference.matmul(m.w, xp.baseAddress!, n: n, &ref)
        }
        let e = nmse(y, ref)
        #expect(e < 5e-4, "\(type) n=\(n) nmse \(e)")
    }

    @Test func parallelRunsEveryIndex() {
        let ctx = ComputeContext(threads: 3)
        #expect(ctx.threadCount == 3)
        for _ in 0..<1000 {
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: 3)
            seen.initialize(repeating: 0, count: 3)
            ctx.parallel { i, n in
                precondition(n == 3)
                seen[i] += 1
            }
            #expect(seen[0] == 1 && seen[1] == 1 && seen[2] == 1)
            seen.deallocate()
        }
    }
}
