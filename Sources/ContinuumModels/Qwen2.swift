public import ContinuumGGUF

/// `qwen2` (Qwen2, Qwen2.5): the llama block plus biases on the Q, K and V projections and
/// RoPE over the two halves of each head (NeoX style); output embedding tied or separate.
/// Reference: llama.cpp `src/models/qwen2.cpp`; HF `modeling_qwen2.py`.
enum Qwen2: Architecture {
    static let name = "qwen2"

    static func configuration(_ gguf: GGUFFile) throws(ModelError) -> DecoderConfiguration {
        try DecoderConfiguration.read(from: gguf, architecture: name, ropeStyle: .halfSplit, hasQKVBias: true)
    }
}
