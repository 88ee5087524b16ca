public import ContinuumGGUF

/// How rotary position embeddings pair up the dimensions of a head.
public enum RopeStyle: Sendable {
    /// Rotate adjacent pairs (x[2i], x[2i+1]): llama as stored in GGUF (ggml's "norm" mode).
    case adjacentPairs
    /// Rotate (x[i], x[i + d/2]): GPT-NeoX, Qwen2.
    case halfSplit
}

/// The hyper-parameters of a decoder-only transformer with grouped-query attention,
/// RMSNorm and a SwiGLU feed-forward: the family llama and qwen2 both belong to.
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
    }
}
