public import ContinuumGGUF
public import ContinuumKernels

/// A decoder-only transformer (RMSNorm, grouped-query attention with RoPE, SwiGLU
/// feed-forward), the shape shared by llama and qwen2. Architecture files (Llama.swift,
/// Qwen2.swift) read their configuration and hand it here.
///
/// Reference: llama.cpp `src/models/llama.cpp`, llama2.c `run.c` `forward`.
/// All scratch is allocated once for `maxBatch` tokens; `forward` allocates nothing.
///
/// `@unchecked Sendable`: scratch buffers are mutated by `forward`, which callers must not
/// run concurrently on one instance (the engine owns one decoder and steps it serially).
public final class TransformerDecoder: @unchecked Sendable {
    public let configuration: DecoderConfiguration
    public let weights: DecoderWeights
    /// Most tokens one `forward` call may process.
    public let maxBatch: Int
    public let context: ComputeContext

    // Scratch, row-major (maxBatch, ·).
    private let x: UnsafeMutablePointer<Float>       // (B, d) residual stream
    private let xb: UnsafeMutablePointer<Float>      // (B, d) normed input
    private let q: UnsafeMutablePointer<Float>       // (B, nH*hd)
    private let k: UnsafeMutablePointer<Float>       // (B, nKV*hd)
    private let v: UnsafeMutablePointer<Float>       // (B, nKV*hd)
    private let att: UnsafeMutablePointer<Float>     // (B, nH*hd) attention output
    private let proj: UnsafeMutablePointer<Float>    // (B, d) attention/ffn projection
    private let gate: UnsafeMutablePointer<Float>    // (B, ff)
    private let up: UnsafeMutablePointer<Float>      // (B, ff)
    private var reservedPositions = 0

    public init(configuration c: DecoderConfiguration, weights: DecoderWeights, maxBatch: Int = 512, context: ComputeContext) {
        self.configuration = c
        self.weights = weights
        self.maxBatch = max(1, maxBatch)
        self.context = context
        let b = self.maxBatch
        x = .allocate(capacity: b * c.embeddingDimension)
        xb = .allocate(capacity: b * c.embeddingDimension)
        q = .allocate(capacity: b * c.qDimension)
        k = .allocate(capacity: b * c.kvDimension)
        v = .allocate(capacity: b * c.kvDimension)
        att = .allocate(capacity: b * c.qDimension)
        proj = .allocate(capacity: b * c.embeddingDimension)
        gate = .allocate(capacity: b * c.feedForwardDimension)
        up = .allocate(capacity: b * c.feedForwardDimension)
    }

    deinit {
        for p in [x, xb, q, k, v, att, proj, gate, up] { p.deallocate() }
    }

    /// Grows the kernels' scratch to what `positions` cached tokens and a full batch need, so
    /// that `forward` never allocates; call when a cache is created.
    public func reserve(positions: Int) {
        guard positions > reservedPositions else { return }
        reservedPositions = positions
        let c = configuration
        var activations = 0
        for w in weights.layers.prefix(1) {
            for m in [w.wq, w.wk, w.wv, w.wo, w.wGate, w.wUp, w.wDown] {
                activations = max(activations, Kernels.matmulScratchBytes(m, n: maxBatch))
            }
        }
        activations = max(activations, Kernels.matmulScratchBytes(weights.output, n: maxBatch))
        let scores = Kernels.attentionScratchBytes(threads: context.threadCount, positions: positions, batch: maxBatch)
        _ = context.scratch(bytes: max(activations, scores))
    }

    /// Runs `tokens` at positions `start ..< start + tokens.count` of `cache`, writing their
    /// keys and values into it, and the logits of the last token (vocab floats) into
    /// `logits`; with `allLogits`, `logits` holds (tokens.count, vocab).
    /// Preconditions (checked by the engine): token ids < vocab, tokens.count <= maxBatch,
    /// start + tokens.count <= cache.capacity.
    public func forward(_ tokens: UnsafeBufferPointer<Int32>, start: Int, cache: KVCache,
                        logits: UnsafeMutablePointer<Float>, allLogits: Bool = false) {
        let c = configuration
        let n = tokens.count
        precondition(n > 0 && n <= maxBatch && start + n <= cache.capacity)
        reserve(positions: start + n)
        let d = c.embeddingDimension, qd = c.qDimension, kvd = c.kvDimension, ff = c.feedForwardDimension

        for (i, t) in tokens.enumerated() {
            Kernels.dequantizeRow(weights.tokenEmbedding, row: Int(t), into: x + i * d)
        }

        for (l, w) in weights.layers.enumerated() {
            // Attention block.
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: w.attentionNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(w.wq, xb, n: n, q, context: context)
            Kernels.matmul(w.wk, xb, n: n, k, context: context)
            Kernels.matmul(w.wv, xb, n: n, v, context: context)
            if let bq = w.bq, let bk = w.bk, let bv = w.bv {
                for i in 0..<n {
                    addInPlace(q + i * qd, bq, qd)
                    addInPlace(k + i * kvd, bk, kvd)
                    addInPlace(v + i * kvd, bv, kvd)
                }
            }
            let neox = c.ropeStyle == .halfSplit
            for i in 0..<n {
                Kernels.rope(q + i * qd, heads: c.headCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: start + i, base: c.ropeBase, neox: neox)
                Kernels.rope(k + i * kvd, heads: c.kvHeadCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: start + i, base: c.ropeBase, neox: neox)
                cache.keys(layer: l, position: start + i).update(from: k + i * kvd, count: kvd)
                cache.values(layer: l, position: start + i).update(from: v + i * kvd, count: kvd)
            }
            attention(layer: l, n: n, start: start, cache: cache)
            Kernels.matmul(w.wo, att, n: n, proj, context: context)
            addInPlace(x, proj, n * d)

            // Feed-forward block.
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: w.ffnNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(w.wGate, xb, n: n, gate, context: context)
            Kernels.matmul(w.wUp, xb, n: n, up, context: context)
            Kernels.swiglu(gate, up, n: n * ff)
            Kernels.matmul(w.wDown, gate, n: n, proj, context: context)
            addInPlace(x, proj, n * d)
        }

        if allLogits {
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: weights.outputNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(weights.output, xb, n: n, logits, context: context)
        } else {
            Kernels.rmsNorm(x + (n - 1) * d, weight: weights.outputNorm, n: d, eps: c.normEpsilon, out: xb)
            Kernels.matmul(weights.output, xb, n: 1, logits, context: context)
        }
    }

    /// Runs a batch that may mix sequences (continuous batching) over a paged KV cache:
    /// every token's key and value are written to its slot, every token attends to its own
    /// sequence's positions up to its own, and the logits of `batch.logitRows` are written to
    /// `logits` as (m, vocab). Per-row arithmetic does not depend on the other rows, so a
    /// sequence's results do not depend on what it was batched with (for n > 1).
    public func forward(batch: DecoderBatch, storage: PagedKVStorage, logits: UnsafeMutablePointer<Float>) {
        let c = configuration
        let n = batch.tokens.count
        precondition(n > 0 && n <= maxBatch && batch.logitRows.count <= maxBatch)
        let d = c.embeddingDimension, qd = c.qDimension, kvd = c.kvDimension, ff = c.feedForwardDimension
        for (i, t) in batch.tokens.enumerated() {
            Kernels.dequantizeRow(weights.tokenEmbedding, row: Int(t), into: x + i * d)
        }
        let layout = PagedAttentionLayout(positions: batch.positions, tableOffsets: batch.tableOffsets,
                                          tables: batch.tables, blockSize: storage.blockSize)
        for (l, w) in weights.layers.enumerated() {
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: w.attentionNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(w.wq, xb, n: n, q, context: context)
            Kernels.matmul(w.wk, xb, n: n, k, context: context)
            Kernels.matmul(w.wv, xb, n: n, v, context: context)
            if let bq = w.bq, let bk = w.bk, let bv = w.bv {
                for i in 0..<n {
                    addInPlace(q + i * qd, bq, qd)
                    addInPlace(k + i * kvd, bk, kvd)
                    addInPlace(v + i * kvd, bv, kvd)
                }
            }
            let neox = c.ropeStyle == .halfSplit
            let keys = storage.keys(layer: l), values = storage.values(layer: l)
            for i in 0..<n {
                let position = Int(batch.positions[i])
                Kernels.rope(q + i * qd, heads: c.headCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: position, base: c.ropeBase, neox: neox)
                Kernels.rope(k + i * kvd, heads: c.kvHeadCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: position, base: c.ropeBase, neox: neox)
                let slot = Int(batch.slots[i])
                (keys + slot * kvd).update(from: k + i * kvd, count: kvd)
                (values + slot * kvd).update(from: v + i * kvd, count: kvd)
            }
            Kernels.pagedAttention(q: q, qStride: qd, keys: keys, values: values, kvStride: kvd, out: att, outStride: qd,
                                   n: n, layout: layout, heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDimension,
                                   scale: 1 / Float(c.headDimension).squareRoot(), context: context)
            Kernels.matmul(w.wo, att, n: n, proj, context: context)
            addInPlace(x, proj, n * d)
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: w.ffnNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(w.wGate, xb, n: n, gate, context: context)
            Kernels.matmul(w.wUp, xb, n: n, up, context: context)
            Kernels.swiglu(gate, up, n: n * ff)
            Kernels.matmul(w.wDown, gate, n: n, proj, context: context)
            addInPlace(x, proj, n * d)
        }
        let m = batch.logitRows.count
        guard m > 0 else { return }
        for (j, row) in batch.logitRows.enumerated() {
            Kernels.rmsNorm(x + Int(row) * d, weight: weights.outputNorm, n: d, eps: c.normEpsilon, out: xb + j * d)
        }
        Kernels.matmul(weights.output, xb, n: m, logits, context: context)
    }

    /// Causal grouped-query attention of the `n` new tokens over every cached position up to
    /// their own: att (n, nH*hd) = softmax(q·Kᵀ/√hd) · V.
    private func attention(layer l: Int, n: Int, start: Int, cache: KVCache) {
        let c = configuration
        Kernels.attention(q: q, qStride: c.qDimension, keys: cache.keys(layer: l, position: 0),
                          values: cache.values(layer: l, position: 0), kvStride: c.kvDimension,
                          out: att, outStride: c.qDimension, n: n, start: start, heads: c.headCount,
                          kvHeads: c.kvHeadCount, headDim: c.headDimension,
                          scale: 1 / Float(c.headDimension).squareRoot(), context: context)
    }

    @inline(__always) private func addInPlace(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += b[i] }
    }
}
