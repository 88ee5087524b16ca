public import ContinuumGGUF

/// How rotary position embeddings pair up the dimensions of a head.
public enum RopeStyle: Sendable {
    /// Rotate adjacent pairs (x[2i], x[2i+1]): llama as stored in GGUF (ggml's "norm" mode).
    case adjacentPairs
    /// Rotate (x[i], x[i + d/2]): GPT-NeoX, Qwen2.
    case halfSplit
}

/// The activation of the gated feed-forward: act(gate) * up.
public enum FeedForwardActivation: Sendable {
    /// SiLU (llama, qwen2).
    case swiglu
    /// GELU, tanh approximation (gemma3).
    case geglu
}

/// The hyper-parameters of a decoder-only transformer with grouped-query attention,
/// RMSNorm and a gated feed-forward: the family llama, qwen2 and gemma3 belong to. The
/// fields after `hasQKVBias` have llama's values by default; gemma3 sets them (Gemma3.swift).
public struct DecoderConfiguration: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var embeddingDimension: Int
    public var feedForwardDimension: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDimension: Int
    public var ropeDimension: Int
    public var ropeBase: Float
    public var ropeStyle: RopeStyle
    public var normEpsilon: Float
    public var vocabularySize: Int
    /// The context length the model was trained for.
    public var trainedContextLength: Int
    /// Q, K and V projections carry biases (qwen2).
    public var hasQKVBias: Bool
    public var activation: FeedForwardActivation = .swiglu
    /// Embeddings are multiplied by sqrt(embeddingDimension) (gemma).
    public var scalesEmbedding = false
    /// Q and K are RMS-normed per head before RoPE (`attn_q_norm`, `attn_k_norm`).
    public var hasQKNorm = false
    /// The attention and feed-forward outputs are RMS-normed before the residual add
    /// (`post_attention_norm`, `post_ffw_norm`).
    public var hasPostNorms = false
    /// Keys a sliding-window layer sees: the query at position p attends to p - window + 1 ... p.
    /// 0: no layer has a window.
    public var slidingWindow = 0
    /// Per layer: whether it is a sliding-window (local) layer; empty when none is.
    public var slidingLayers: [Bool] = []
    /// RoPE base of the sliding-window layers (global layers use `ropeBase`).
    public var ropeBaseLocal: Float = 10_000
    /// Scale of q·k; nil is 1/sqrt(headDimension).
    public var attentionScale: Float? = nil
    /// tanh soft-capping of the logits (logits = cap·tanh(logits/cap)); 0 is none.
    public var finalLogitSoftcap: Float = 0

    /// Whether layer `l` attends through the sliding window.
    public func isSliding(_ l: Int) -> Bool { slidingWindow > 0 && l < slidingLayers.count && slidingLayers[l] }

    public var qDimension: Int { headCount * headDimension }
    public var kvDimension: Int { kvHeadCount * headDimension }

    /// Reads `<arch>.*` keys shared by llama-like architectures.
    static func read(from gguf: GGUFFile, architecture arch: String, ropeStyle: RopeStyle, hasQKVBias: Bool) throws(ModelError) -> DecoderConfiguration {
        do {
            let d = try gguf.requireInt("\(arch).embedding_length")
            let heads = try gguf.requireInt("\(arch).attention.head_count")
            let kvHeads = gguf["\(arch).attention.head_count_kv"]?.intValue ?? heads
            guard heads > 0, kvHeads > 0, heads % kvHeads == 0, d > 0 else {
                throw ModelError(.badConfiguration, "\(arch): \(heads) heads, \(kvHeads) KV heads, embedding \(d)")
            }
            let headDim = gguf["\(arch).attention.key_length"]?.intValue ?? d / heads
            let vocab: Int
            if let v = gguf["\(arch).vocab_size"]?.intValue {
                vocab = v
            } else if let tokens = gguf["tokenizer.ggml.tokens"]?.arrayValue {
                vocab = tokens.count
            } else {
                vocab = try gguf.requireTensor("token_embd.weight").dimensions.last ?? 0
            }
            let config = DecoderConfiguration(
                architecture: arch,
                layerCount: try gguf.requireInt("\(arch).block_count"),
                embeddingDimension: d,
                feedForwardDimension: try gguf.requireInt("\(arch).feed_forward_length"),
                headCount: heads,
                kvHeadCount: kvHeads,
                headDimension: headDim,
                ropeDimension: gguf["\(arch).rope.dimension_count"]?.intValue ?? headDim,
                ropeBase: Float(gguf["\(arch).rope.freq_base"]?.doubleValue ?? 10_000),
                ropeStyle: ropeStyle,
                normEpsilon: Float(try gguf.requireDouble("\(arch).attention.layer_norm_rms_epsilon")),
                vocabularySize: vocab,
                trainedContextLength: gguf["\(arch).context_length"]?.intValue ?? 2048,
                hasQKVBias: hasQKVBias)
            try config.validate()
            return config
        } catch let e as GGUFError {
            throw ModelError(e)
        } catch let e as ModelError {
            throw e
        } catch {
            throw ModelError(.file, "\(error)")
        }
    }

    func validate() throws(ModelError) {
        func check(_ ok: Bool, _ what: String) throws(ModelError) {
            if !ok { throw ModelError(.badConfiguration, "\(architecture): \(what)") }
        }
        try check((1...1024).contains(layerCount), "block_count \(layerCount)")
        try check((1...65536).contains(embeddingDimension), "embedding_length \(embeddingDimension)")
        try check((1...262_144).contains(feedForwardDimension), "feed_forward_length \(feedForwardDimension)")
        try check(headDimension > 0 && headDimension % 2 == 0 && headDimension <= 1024, "head dimension \(headDimension)")
        try check(ropeDimension > 0 && ropeDimension <= headDimension && ropeDimension % 2 == 0, "rope.dimension_count \(ropeDimension)")
        try check((1...2_000_000).contains(vocabularySize), "vocab size \(vocabularySize)")
        try check(normEpsilon > 0 && normEpsilon < 1, "layer_norm_rms_epsilon \(normEpsilon)")
        try check(ropeBase > 0, "rope.freq_base \(ropeBase)")
        try check(ropeBaseLocal > 0, "rope.freq_base_swa \(ropeBaseLocal)")
        try check(slidingWindow >= 0 && slidingWindow <= Int(Int32.max), "attention.sliding_window \(slidingWindow)")
        try check(slidingLayers.isEmpty || slidingLayers.count == layerCount,
                  "sliding_window_pattern has \(slidingLayers.count) entries for \(layerCount) layers")
        try check(finalLogitSoftcap >= 0 && finalLogitSoftcap.isFinite, "final_logit_softcapping \(finalLogitSoftcap)")
        if let s = attentionScale { try check(s > 0 && s.isFinite, "attention scale \(s)") }
    }
}
