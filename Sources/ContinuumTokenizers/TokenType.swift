/// `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`).
enum TokenType: UInt8, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6

    /// Matched whole in the input before pre-tokenization (control and unknown only when
    /// parsing special tokens; user-defined always, as in llama.cpp and HF tokenizers).
    var isSpecial: Bool { self == .control || self == .userDefined || self == .unknown }
}
