public import ContinuumGGUF

/// `gemma3` (Gemma 3 text models, e.g. 270M): the llama block with Gemma's changes —
/// embeddings scaled by sqrt(d); Q and K RMS-normed per head; RMSNorm after attention and after
/// the feed-forward as well as before; GeGLU (tanh GELU) feed-forward; RoPE on the two halves of
/// each head; five sliding-window (local, RoPE base 10k) layers to one global layer (RoPE base
/// `rope.freq_base`); attention scale 1/sqrt(head dim) (1/sqrt(d/heads) for the 27B); output
/// tied to the embedding. The GGUF converter already added 1 to Gemma's norm weights, so they
/// are used as stored. Reference: llama.cpp `src/models/gemma3.cpp`, `llama-hparams.cpp`.
enum Gemma3: Architecture {
    static let name = "gemma3"
    /// Every sixth layer is global when the file names no pattern (llama.cpp's default).
    static let defaultPattern = 6

    static func configuration(_ gguf: GGUFFile) throws(ModelError) -> DecoderConfiguration {
        var c = try DecoderConfiguration.read(from: gguf, architecture: name, ropeStyle: .halfSplit, hasQKVBias: false)
        c.activation = .geglu
        c.scalesEmbedding = true
        c.hasQKNorm = true
        c.hasPostNorms = true
        c.attentionScale = c.layerCount == 62
            ? 1 / Float(c.embeddingDimension / c.headCount).squareRoot()
            : 1 / Float(c.headDimension).squareRoot()
        c.finalLogitSoftcap = Float(gguf["\(name).final_logit_softcapping"]?.doubleValue ?? 0)
        let window = gguf["\(name).attention.sliding_window"]?.intValue ?? 0
        if window > 0 {
            c.slidingWindow = window
            c.ropeBaseLocal = Float(gguf["\(name).rope.freq_base_swa"]?.doubleValue ?? 10_000)
            let key = "\(name).attention.sliding_window_pattern"
            if let array = gguf[key]?.arrayValue {
                c.slidingLayers = array.map { $0.boolValue ?? (($0.intValue ?? 0) != 0) }
            } else {
                let n = gguf[key]?.intValue ?? defaultPattern
                c.slidingLayers = (0..<c.layerCount).map { l in n == 0 || l % n < n - 1 }
            }
        }
        try c.validate()
        return c
    }
}
