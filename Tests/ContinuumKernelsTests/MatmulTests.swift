import ContinuumKernels
import Testing

@Suite struct MatmulTests {
    /// A context is used by one caller at a time, and tests run in parallel: one per test.
    var context: ComputeContext { ComputeContext(threads: 2) }

    /// Y (n, rows) = X (n, cols) · Wᵀ against a float reference on the dequantized W, on every
    /// code path (portable C and the CPU's SIMD one), n covering decode, tails and register tiles.
    @Test(arguments: QuantType.allCases, [1, 3, 8, 70])
    func matmulMatchesReference(_ type: QuantType, n: Int) {
        // rows not a multiple of 4; 3 k-quant blocks / 27 legacy blocks (odd) per row
        let rows = 37, cols = type.blockSize == 256 ? 768 : (type.blockSize == 32 ? 864 : 100)
        let m = TestMatrix(type, rows: rows, cols: cols, seed: UInt64(type.rawValue) + 7)
        var rng = Rng(99)
        let x = rng.floats(n * cols)
        var ref = [Float](repeating: 0, count: n * rows)
        x.withUnsafeBufferPointer { Reference.matmul(m.w, $0.baseAddress!, n: n, &ref) }
        let context = self.context
        for isa in [KernelISA.scalar, .avx2, .avx512NoVBMI, .best] {
            var y = [Float](repeating: .nan, count: n * rows)
            x.withUnsafeBufferPointer { Kernels.matmul(m.w, $0.baseAddress!, n: n, &y, context: context, isa: isa) }
            let e = nmse(y, ref)
            #expect(e < 5e-4, "\(type) n=\(n) \(isa) nmse \(e)")
        }
    }

    /// The SIMD paths compute the same integer dot products as the portable one.
    @Test(arguments: QuantType.allCases, [KernelISA.avx2, .avx512NoVBMI, .best])
    func simdMatchesPortable(_ type: QuantType, isa: KernelISA) {
        let rows = 9, cols = type.blockSize == 1 ? 64 : 512, n = 5
        let m = TestMatrix(type, rows: rows, cols: cols, seed: 3)
        var rng = Rng(4)
        let x = rng.floats(n * cols, scale: 4)
        var a = [Float](repeating: 0, count: n * rows), b = a
        let context = self.context
        x.withUnsafeBufferPointer {
            Kernels.matmul(m.w, $0.baseAddress!, n: n, &a, context: context, isa: .scalar)
            Kernels.matmul(m.w, $0.baseAddress!, n: n, &b, context: context, isa: isa)
        }
        #expect(nmse(b, a) < 1e-10, "\(type) \(isa)")
    }

    @Test(arguments: QuantType.allCases)
    func dequantizeRowMatchesReference(_ type: QuantType) {
        let m = TestMatrix(type, rows: 3, cols: 512, seed: 11)
        var ref = [Float](repeating: 0, count: 512), out = ref
        for r in 0..<3 {
            Reference.dequantize(type, m.w.row(r), count: 512, into: &ref)
            Kernels.dequantizeRow(m.w, row: r, into: &out)
            #expect(nmse(out, ref) < 1e-12, "\(type) row \(r)")
        }
    }

    @Test func parallelForCoversEachIndexOnce() {
        let ctx = ComputeContext(threads: 2)
        for count in [0, 1, 2, 7, 1000] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            hits.initialize(repeating: 0, count: max(count, 1))
            let perThread = UnsafeMutablePointer<Int>.allocate(capacity: 2)
            perThread.initialize(repeating: 0, count: 2)
            ctx.parallelFor(count) { i, t in
                hits[i] += 1  // each index is claimed once, so no two threads write the same slot
                perThread[t] += 1
            }
            #expect((0..<count).allSatisfy { hits[$0] == 1 }, "count \(count)")
            #expect(perThread[0] + perThread[1] == count)
            hits.deallocate()
            perThread.deallocate()
        }
    }

    @Test func nestedParallelRunsInline() {
        let ctx = ComputeContext(threads: 2)
        let inner = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        inner.initialize(repeating: 0, count: 2)
        ctx.parallel { i, _ in
            ctx.parallel { j, n in
                precondition(j == 0 && n == 1)
                inner[i] += 1
            }
        }
        #expect(inner[0] == 1 && inner[1] == 1)
        inner.deallocate()
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
