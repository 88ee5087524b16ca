import ContinuumKernels
import Testing

/// Paged attention over shuffled blocks equals the contiguous scalar reference, for a batch
/// mixing sequences of different lengths (continuous batching) and grouped-query heads.
@Suite struct PagedAttentionTests {
    @Test(arguments: [KernelISA.scalar, .avx2, .avx512, .best].filter(\.isSupported),
          [(heads: 9, kvHeads: 3, headDim: 64), (heads: 14, kvHeads: 2, headDim: 64), (heads: 4, kvHeads: 4, headDim: 24),
           (heads: 8, kvHeads: 2, headDim: 128), (heads: 6, kvHeads: 2, headDim: 40)])
    func matchesContiguousReference(isa: KernelISA, shape: (heads: Int, kvHeads: Int, headDim: Int)) {
        let (heads, kvHeads, hd) = shape
        let blockSize = 4, kvd = kvHeads * hd, qd = heads * hd
        var rng = SystemRandomNumberGenerator()
        // Three sequences; each query token of the batch is the next token of one of them.
        let lengths = [1, 9, 23]
        let blocksPerSeq = lengths.map { ($0 + blockSize - 1) / blockSize }
        var freeBlocks = Array(0..<blocksPerSeq.reduce(0, +)).shuffled()
        let tables = blocksPerSeq.map { n in (0..<n).map { _ in Int32(freeBlocks.removeLast()) } }
        let slots = blocksPerSeq.reduce(0, +) * blockSize
        let keys = halves((0..<(slots * kvd)).map { _ in Float.random(in: -1...1, using: &rng) })
        let values = halves((0..<(slots * kvd)).map { _ in Float.random(in: -1...1, using: &rng) })
        // The batch: the last position of each sequence, plus two earlier positions of seq 2.
        let queries: [(seq: Int, pos: Int)] = [(0, 0), (1, 8), (2, 22), (2, 5), (2, 11)]
        let q = (0..<(queries.count * qd)).map { _ in Float.random(in: -1...1, using: &rng) }
        var flatTables: [Int32] = []
        var offsets: [Int32] = []
        for t in tables { offsets.append(Int32(flatTables.count)); flatTables += t }
        let positions = queries.map { Int32($0.pos) }
        let tableOffsets = queries.map { offsets[$0.seq] }
        var out = [Float](repeating: .nan, count: queries.count * qd)
        let context = ComputeContext(threads: 2)
        positions.withUnsafeBufferPointer { p in
            tableOffsets.withUnsafeBufferPointer { o in
                flatTables.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { ob in
                        Kernels.pagedAttention(
                            q: q, qStride: qd, keys: keys, values: values, kvStride: kvd, out: ob.baseAddress!, outStride: qd,
                            n: queries.count, layout: PagedAttentionLayout(positions: p.baseAddress!, tableOffsets: o.baseAddress!,
                                                                           tables: t.baseAddress!, blockSize: blockSize),
                            heads: heads, kvHeads: kvHeads, headDim: hd, scale: 1 / Float(hd).squareRoot(), context: context, isa: isa)
                    }
                }
            }
        }
        for (i, query) in queries.enumerated() {
            // Gather the sequence's keys and values contiguously and run the reference.
            var k: [UInt16] = [], v: [UInt16] = []
            for j in 0...query.pos {
                let slot = Int(tables[query.seq][j / blockSize]) * blockSize + j % blockSize
                k += keys[(slot * kvd)..<((slot + 1) * kvd)]
                v += values[(slot * kvd)..<((slot + 1) * kvd)]
            }
            var expected = [Float](repeating: 0, count: qd)
            Array(q[(i * qd)..<((i + 1) * qd)]).withUnsafeBufferPointer { qi in
                expected.withUnsafeMutableBufferPointer { e in
                    Reference.attention(q: qi.baseAddress!, qStride: qd, keys: widened(k), values: widened(v), kvStride: kvd, out: e.baseAddress!,
                                        outStride: qd, n: 1, start: query.pos, heads: heads, kvHeads: kvHeads, headDim: hd,
                                        scale: 1 / Float(hd).squareRoot())
                }
            }
            let got = out[(i * qd)..<((i + 1) * qd)]
            let err = zip(got, expected).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            let norm = expected.map { Double($0) * Double($0) }.reduce(0, +)
            #expect(err / norm < 1e-10, "query \(i) (seq \(query.seq), pos \(query.pos)): nmse \(err / norm)")
        }
    }

    /// A query's output is bitwise the same alone, inside a batch of other sequences' queries, and
    /// on 1 or 3 threads, on every path (the order of operations depends on the query only).
    @Test(arguments: [KernelISA.scalar, .avx2, .avx512, .best].filter(\.isSupported))
    func batchInvariant(isa: KernelISA) {
        let heads = 9, kvHeads = 3, hd = 64, blockSize = 16, kvd = kvHeads * hd, qd = heads * hd
        var rng = Rng(7)
        let blocks = 24
        let keys = halves(rng.floats(blocks * blockSize * kvd, scale: 2)), values = halves(rng.floats(blocks * blockSize * kvd))
        // two sequences: blocks 0..<12 and 12..<24 in reverse order
        let tables: [Int32] = Array(0..<12).map(Int32.init) + Array((12..<24).reversed()).map(Int32.init)
        func run(_ rows: [(seq: Int, pos: Int)], threads: Int) -> [Float] {
            // each row's query depends only on (sequence, position)
            let q = rows.flatMap { r in var g = Rng(UInt64(r.seq * 1000 + r.pos)); return g.floats(qd) }
            var out = [Float](repeating: .nan, count: rows.count * qd)
            let positions = rows.map { Int32($0.pos) }, offsets = rows.map { Int32($0.seq * 12) }
            let context = ComputeContext(threads: threads)
            positions.withUnsafeBufferPointer { p in
                offsets.withUnsafeBufferPointer { o in
                    tables.withUnsafeBufferPointer { t in
                        out.withUnsafeMutableBufferPointer { ob in
                            Kernels.pagedAttention(
                                q: q, qStride: qd, keys: keys, values: values, kvStride: kvd, out: ob.baseAddress!, outStride: qd,
                                n: rows.count, layout: PagedAttentionLayout(positions: p.baseAddress!, tableOffsets: o.baseAddress!,
                                                                            tables: t.baseAddress!, blockSize: blockSize),
                                heads: heads, kvHeads: kvHeads, headDim: hd, scale: 0.125, context: context, isa: isa)
                        }
                    }
                }
            }
            return out
        }
        let alone = run([(0, 150)], threads: 1)
        let batched = run([(1, 170), (0, 150), (1, 3), (0, 7)], threads: 3)
        #expect(Array(batched[qd..<(2 * qd)]) == alone, "\(isa): batched differs from alone")
        #expect(run([(0, 150)], threads: 3) == alone, "\(isa): 3 threads differ from 1")
    }
}
