/// The body of `POST /v1/embeddings`.
public struct EmbeddingRequest: OpenAIRequest, Equatable {
    /// How vectors are sent back. The official Python client asks for `base64` unless told otherwise.
    public enum EncodingFormat: String, Codable, Sendable, CaseIterable {
        /// A JSON array of numbers.
        case float
        /// Base64 of the little-endian float32 bytes.
        case base64
    }

    /// Most inputs in one request (OpenAI's limit).
    public static let maxInputs = 2048

    public var model: String
    public var input: EmbeddingInput
    /// nil means `float`.
    public var encodingFormat: EncodingFormat?
    /// Truncate vectors to this many dimensions (Matryoshka models); `>= 1`.
    public var dimensions: Int?
    public var user: String?

    public init(model: String, input: EmbeddingInput, encodingFormat: EncodingFormat? = nil,
                dimensions: Int? = nil, user: String? = nil) {
        self.model = model
        self.input = input
        self.encodingFormat = encodingFormat
        self.dimensions = dimensions
        self.user = user
    }

    private enum CodingKeys: String, CodingKey {
        case model, input, dimensions, user
        case encodingFormat = "encoding_format"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        input = try c.decode(EmbeddingInput.self, forKey: .input)
        encodingFormat = try c.decodeEnumIfPresent(EncodingFormat.self, forKey: .encodingFormat)
        dimensions = try c.decodeIntegerIfPresent(Int.self, forKey: .dimensions)
        user = try c.decodeIfPresent(String.self, forKey: .user)
    }

    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        switch input {
        case .texts(let texts):
            if let i = texts.firstIndex(where: \.isEmpty) {
                throw .invalidValue(param: texts.count == 1 ? "input" : "input[\(i)]", "must not be an empty string")
            }
        case .tokens(let batch):
            if let i = batch.firstIndex(where: \.isEmpty) {
                throw .invalidValue(param: batch.count == 1 ? "input" : "input[\(i)]", "must not be an empty array of tokens")
            }
        }
        if input.count == 0 { throw .invalidValue(param: "input", "must not be empty") }
        if input.count > Self.maxInputs {
            throw .invalidValue(param: "input", "at most \(Self.maxInputs) inputs are allowed, got \(input.count)")
        }
        try SamplingOptions.check(dimensions, "dimensions", atLeast: 1)
    }
}
