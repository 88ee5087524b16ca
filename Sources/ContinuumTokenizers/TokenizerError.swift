/// A tokenizer or chat template could not be built from a model's metadata.
///
/// A struct around a private code (AsyncHTTPClient `HTTPClientError` style): match a kind with
/// `==` against the static members (equality ignores the message), read `message` for the
/// details. `description` is short and bounded so it can double as a metric label.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: String, Sendable {
        case unsupportedModel = "unsupported tokenizer model"
        case unknownPreTokenizer = "unknown pre-tokenizer"
        case badVocabulary = "invalid vocabulary"
        case unknownChatTemplate = "unknown chat template"
        case badFiles = "invalid tokenizer files"
    }

    private let code: Code
    /// What went wrong, naming the key or value involved.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `tokenizer.ggml.model` names a tokenizer this module does not implement (e.g. "bert").
    public static let unsupportedModel = TokenizerError(.unsupportedModel, "")
    /// `tokenizer.ggml.pre` names a pre-tokenizer this module does not implement.
    public static let unknownPreTokenizer = TokenizerError(.unknownPreTokenizer, "")
    /// Token, type or merge arrays are missing, mismatched or malformed.
    public static let badVocabulary = TokenizerError(.badVocabulary, "")
    /// `tokenizer.chat_template` is missing or not a template this module recognises.
    public static let unknownChatTemplate = TokenizerError(.unknownChatTemplate, "")
    /// A tokenizer directory's vocab.txt or JSON configuration is missing or malformed.
    public static let badFiles = TokenizerError(.badFiles, "")

    static func unsupportedModel(_ name: String) -> TokenizerError {
        TokenizerError(.unsupportedModel,
                       "tokenizer.ggml.model '\(name)' is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece)")
    }

    static func unknownPreTokenizer(_ name: String) -> TokenizerError {
        TokenizerError(.unknownPreTokenizer,
                       "tokenizer.ggml.pre '\(name)' is not supported; supported: \(PreTokenizer.supportedNames.joined(separator: ", "))")
    }

    static func badVocabulary(_ detail: String) -> TokenizerError {
        TokenizerError(.badVocabulary, detail)
    }

    static func badFiles(_ detail: String) -> TokenizerError {
        TokenizerError(.badFiles, detail)
    }

    static func unknownChatTemplate(_ detail: String) -> TokenizerError {
        TokenizerError(.unknownChatTemplate, "\(detail); pass an explicit template choice (ChatTemplate.Kind)")
    }

    public static func == (a: TokenizerError, b: TokenizerError) -> Bool { a.code == b.code }

    public var description: String {
        message.isEmpty ? "Tokenizer: \(code.rawValue)" : "Tokenizer: \(code.rawValue): \(message)"
    }
}
