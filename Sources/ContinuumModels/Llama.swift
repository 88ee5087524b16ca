public import ContinuumGGUF

/// `llama` (SmolLM2, Llama 2/3, Mistral without sliding window): RMSNorm, GQA, RoPE on
/// adjacent pairs (GGUF stores Q/K permuted for it), SwiGLU, optionally tied output.
/// Reference: llama.cpp `src/models/llama.cpp`; HF `modeling_llama.py`.
enum Llama: Architecture {
    static let name = "llama"

    static func configuration(_ gguf: GGUFFile) throws(ModelError) -> DecoderConfiguration {
        try DecoderConfiguration.read(from: gguf, architecture: name, ropeStyle: .adjacentPairs, hasQKVBias: false)
    }
}
