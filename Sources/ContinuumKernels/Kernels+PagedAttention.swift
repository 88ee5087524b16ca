internal import CContinuumKernels

/// Where each query of a batch reads its keys and values in a paged KV cache.
public struct PagedAttentionLayout {
    /// (n,) query i sits at position `positions[i]` of its sequence and attends to 0...that.
    public var positions: UnsafePointer<Int32>
    /// (n,) start of query i's block table in `tables`.
    public var tableOffsets: UnsafePointer<Int32>
    /// Block ids; position j of query i's sequence is slot `tables[off + j / blockSize] * blockSize + j % blockSize`.
    public var tables: UnsafePointer<Int32>
    public var blockSize: Int

    public init(positions: UnsafePointer<Int32>, tableOffsets: UnsafePointer<Int32>, tables: UnsafePointer<Int32>, blockSize: Int) {
        self.positions = positions
        self.tableOffsets = tableOffsets
        self.tables = tables
        self.blockSize = blockSize
    }
}

extension Kernels {
    /// Causal attention for `n` queries that may belong to different sequences, over a paged
    /// F16 KV cache: q (n, heads·headDim) rows `qStride` apart; keys/values (slots, kvHeads·headDim)
    /// binary16 bits (`Half`, written with `Kernels.roundToHalf`) rows `kvStride` halves apart; out (n, heads·headDim) rows `outStride` apart. Grouped-query:
    /// head h reads kv head h / (heads / kvHeads). Online softmax; no scratch. `window` > 0
    /// limits each query at position p to positions p - window + 1 ... p (sliding-window layers).
    public static func pagedAttention(
        q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
        kvStride: Int, out: UnsafeMutablePointer<Float>, outStride: Int, n: Int, layout: PagedAttentionLayout,
        heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int = 0, context: ComputeContext,
        isa: KernelISA = .best
    ) {
        var args = ck_paged_attention_args(
            q: q, k: keys, v: values, out: out, positions: layout.positions, table_offsets: layout.tableOffsets,
            tables: layout.tables, n: Int32(n), heads: Int32(heads), kv_heads: Int32(kvHeads), head_dim: Int32(headDim),
            block_size: Int32(layout.blockSize), q_stride: qStride, kv_stride: kvStride, out_stride: outStride, scale: scale)
        ck_paged_attention_window(context.pool, isa.rawValue, &args, Int32(clamping: window))
    }
}
