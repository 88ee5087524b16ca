import ContinuumKernels
import Testing

/// Batch invariance: row c of Y = X · Wᵀ must have the same bits whether X row c is multiplied
/// alone (n = 1, the decode path), inside a batch of any size, or with the weight rows split over
/// 1 or 2 threads, on each code path (paths may differ from each other). Without it a request's
/// tokens would depend on what else the server batched with it, and a prefix-cache hit (rows
/// computed in an earlier, differently sized batch) could change the answer.
@Suite struct BatchInvarianceTests {
    /// Real model shapes: SmolLM2 576 / 1536, Qwen2.5 896 / 4864 (k-quants need a multiple of
    /// 256); rows not a multiple of any tile, and legacy rows ending in a partial 16-block group.
    static func shapes(_ type: QuantType) -> [(rows: Int, cols: Int)] {
        let cols = type.blockSize == 256 ? [1536, 4864] : [576, 896, 1536, 4864]
        return cols.map { (37, $0) } + [(1000, cols[0])]
    }

    @Test(arguments: QuantType.allCases, [KernelISA.scalar, .avx2, .avx512NoVBMI, .best])
    func rowsDoNotDependOnBatchSizeOrThreads(_ type: QuantType, isa: KernelISA) {
        let contexts = [ComputeContext(threads: 1), ComputeContext(threads: 2)]
        let batches = [2, 3, 5, 16, 64]
        for (rows, cols) in Self.shapes(type) {
            let m = TestMatrix(type, rows: rows, cols: cols, seed: UInt64(type.rawValue) &+ UInt64(cols))
            var rng = Rng(UInt64(cols) &+ 17)
            // activations of varied magnitude per block, so float rounding differences surface
            let x = (0..<(64 * cols)).map { i in rng.float() * Float(1 + (i / 32) % 7) }
            // reference: each activation row alone (n = 1), one thread
            var alone = [Float](repeating: .nan, count: 64 * rows)
            x.withUnsafeBufferPointer { xp in
                alone.withUnsafeMutableBufferPointer { yp in
                    for c in 0..<64 {
                        Kernels.matmul(m.w, xp.baseAddress! + c * cols, n: 1, yp.baseAddress! + c * rows,
                                       context: contexts[0], isa: isa)
                    }
                }
            }
            for context in contexts {
                for n in [1] + batches {
                    var y = [Float](repeating: .nan, count: n * rows)
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            if n == 1 {  // alone again, on this context's threads
                                Kernels.matmul(m.w, xp.baseAddress! + 63 * cols, n: 1, yp.baseAddress!, context: context, isa: isa)
                            } else {
                                Kernels.matmul(m.w, xp.baseAddress!, n: n, yp.baseAddress!, context: context, isa: isa)
                            }
                        }
                    }
                    let first = n == 1 ? 63 : 0
                    var bad = 0, firstBad = ""
                    for c in 0..<n {
                        for r in 0..<rows where y[c * rows + r].bitPattern != alone[(first + c) * rows + r].bitPattern {
                            if bad == 0 { firstBad = "row \(first + c) col \(r): \(y[c * rows + r]) vs \(alone[(first + c) * rows + r]) alone" }
                            bad += 1
                        }
                    }
                    #expect(bad == 0, "\(type) \(isa) \(rows)x\(cols) n=\(n) threads=\(context.threadCount): \(bad) differ, first \(firstBad)")
                }
            }
        }
    }
}
