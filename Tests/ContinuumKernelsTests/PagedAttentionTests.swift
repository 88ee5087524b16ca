import ContinuumKernels
import Testing

/// Paged attention over shuffled blocks equals the contiguous scalar reference, for a batch
/// mixing sequences of different lengths (continuous batching) and grouped-query heads.
@Suite struct PagedAttentionTests {
    @Test(arguments: [KernelISA.scalar, .best], [(heads: 9, kvHeads: 3, headDim: 64), (heads: 14, kvHeads: 2, headDim: 64), (heads: 4, kvHeads: 4, headDim: 24)])
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
        let keys = (0..<(slots * kvd)).map { _ in Float.random(in: -1...1, using: &rng) }
        let values = (0..<(slots * kvd)).map { _ in Float.random(in: -1...1, using: &rng) }
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
            var k: [Float] = [], v: [Float] = []
            for j in 0...query.pos {
                let slot = Int(tables[query.seq][j / blockSize]) * blockSize + j % blockSize
                k += keys[(slot * kvd)..<((slot + 1) * kvd)]
                v += values[(slot * kvd)..<((slot + 1) * kvd)]
            }
            var expected = [Float](repeating: 0, count: qd)
            Array(q[(i * qd)..<((i + 1) * qd)]).withUnsafeBufferPointer { qi in
                expected.withUnsafeMutableBufferPointer { e in
                    Reference.attention(q: qi.baseAddress!, qStride: qd, keys: k, values: v, kvStride: kvd, out: e.baseAddress!,
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
}
