public import ContinuumGGUF
public import ContinuumKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A decoder-only transformer (RMSNorm, grouped-query attention with RoPE, gated
/// feed-forward), the shape shared by llama, qwen2 and gemma3. Architecture files (Llama.swift,
/// Qwen2.swift, Gemma3.swift) read their configuration and hand it here; Gemma's extras (scaled
/// embeddings, Q/K norms, post-norms, GeGLU, sliding-window layers, logit soft-capping) are
/// switched on by the configuration and cost nothing when off.
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
    // The layout of a single-sequence batch (positions double as slots; one block).
    private let sequencePositions: UnsafeMutablePointer<Int32>
    private let sequenceTableOffsets: UnsafeMutablePointer<Int32>
    private let sequenceLogitRows: UnsafeMutablePointer<Int32>
    private let sequenceTable: UnsafeMutablePointer<Int32>

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
        sequencePositions = .allocate(capacity: b)
        sequenceTableOffsets = .allocate(capacity: b)
        sequenceLogitRows = .allocate(capacity: b)
        sequenceTable = .allocate(capacity: 1)
        sequenceTable[0] = 0
    }

    deinit {
        for p in [x, xb, q, k, v, att, proj, gate, up] { p.deallocate() }
        for p in [sequencePositions, sequenceTableOffsets, sequenceLogitRows, sequenceTable] { p.deallocate() }
    }

    /// Grows the kernels' scratch to what a full batch needs, so that `forward` never
    /// allocates; call when a cache is created. (Attention needs no scratch.)
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
        _ = context.scratch(bytes: activations)
    }

    /// Runs `tokens` at positions `start ..< start + tokens.count` of `cache`, writing their
    /// keys and values into it, and the logits of the last token (vocab floats) into
    /// `logits`; with `allLogits`, `logits` holds (tokens.count, vocab). A single sequence is
    /// the one-block case of the paged batch: same code, same numbers.
    /// Preconditions (checked by the engine): token ids < vocab, tokens.count <= maxBatch,
    /// start + tokens.count <= cache.capacity.
    public func forward(_ tokens: UnsafeBufferPointer<Int32>, start: Int, cache: KVCache,
                        logits: UnsafeMutablePointer<Float>, allLogits: Bool = false) {
        let n = tokens.count
        precondition(n > 0 && n <= maxBatch && start + n <= cache.capacity)
        for i in 0..<n {
            sequencePositions[i] = Int32(start + i)
            sequenceTableOffsets[i] = 0
        }
        let rows = allLogits ? n : 1
        for j in 0..<rows { sequenceLogitRows[j] = Int32(allLogits ? j : n - 1) }
        let batch = DecoderBatch(tokens: tokens, positions: sequencePositions, slots: sequencePositions,
                                 tableOffsets: sequenceTableOffsets, tables: sequenceTable,
                                 logitRows: UnsafeBufferPointer(start: sequenceLogitRows, count: rows))
        forward(batch: batch, storage: cache.storage, logits: logits)
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
        if c.scalesEmbedding {
            let s = Float(d).squareRoot()
            for i in 0..<(n * d) { x[i] *= s }
        }
        let hd = c.headDimension
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
            if let qNorm = w.qNorm, let kNorm = w.kNorm {
                for r in 0..<(n * c.headCount) { Kernels.rmsNorm(q + r * hd, weight: qNorm, n: hd, eps: c.normEpsilon, out: q + r * hd) }
                for r in 0..<(n * c.kvHeadCount) { Kernels.rmsNorm(k + r * hd, weight: kNorm, n: hd, eps: c.normEpsilon, out: k + r * hd) }
            }
            let neox = c.ropeStyle == .halfSplit
            let sliding = c.isSliding(l)
            let ropeBase = sliding ? c.ropeBaseLocal : c.ropeBase
            let keys = storage.keys(layer: l), values = storage.values(layer: l)
            for i in 0..<n {
                let position = Int(batch.positions[i])
                Kernels.rope(q + i * qd, heads: c.headCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: position, base: ropeBase, neox: neox)
                Kernels.rope(k + i * kvd, heads: c.kvHeadCount, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             position: position, base: ropeBase, neox: neox)
                // the cache holds binary16: rounded here, once, the same on every kernel path
                let slot = Int(batch.slots[i])
                Kernels.roundToHalf(k + i * kvd, keys + slot * kvd, count: kvd)
                Kernels.roundToHalf(v + i * kvd, values + slot * kvd, count: kvd)
            }
            Kernels.pagedAttention(q: q, qStride: qd, keys: keys, values: values, kvStride: kvd, out: att, outStride: qd,
                                   n: n, layout: layout, heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDimension,
                                   scale: c.attentionScale ?? 1 / Float(c.headDimension).squareRoot(),
                                   window: sliding ? c.slidingWindow : 0, context: context)
            Kernels.matmul(w.wo, att, n: n, proj, context: context)
            if let post = w.postAttentionNorm {
                for i in 0..<n { Kernels.rmsNorm(proj + i * d, weight: post, n: d, eps: c.normEpsilon, out: proj + i * d) }
            }
            addInPlace(x, proj, n * d)
            for i in 0..<n {
                Kernels.rmsNorm(x + i * d, weight: w.ffnNorm, n: d, eps: c.normEpsilon, out: xb + i * d)
            }
            Kernels.matmul(w.wGate, xb, n: n, gate, context: context)
            Kernels.matmul(w.wUp, xb, n: n, up, context: context)
            switch c.activation {
            case .swiglu: Kernels.swiglu(gate, up, n: n * ff)
            case .geglu: Kernels.geglu(gate, up, n: n * ff)
            }
            Kernels.matmul(w.wDown, gate, n: n, proj, context: context)
            if let post = w.postFFNNorm {
                for i in 0..<n { Kernels.rmsNorm(proj + i * d, weight: post, n: d, eps: c.normEpsilon, out: proj + i * d) }
            }
            addInPlace(x, proj, n * d)
        }
        let m = batch.logitRows.count
        guard m > 0 else { return }
        for (j, row) in batch.logitRows.enumerated() {
            Kernels.rmsNorm(x + Int(row) * d, weight: weights.outputNorm, n: d, eps: c.normEpsilon, out: xb + j * d)
        }
        Kernels.matmul(weights.output, xb, n: m, logits, context: context)
        if c.finalLogitSoftcap > 0 {
            let cap = c.finalLogitSoftcap
            for i in 0..<(m * c.vocabularySize) { logits[i] = cap * Float(tanh(Double(logits[i] / cap))) }
        }
    }

    @inline(__always) private func addInPlace(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += b[i] }
    }
}
