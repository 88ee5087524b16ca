/// The body of `POST /tokenize`, as llama-server takes it: `content` is a string, or a list
/// mixing strings and token ids (ids pass through as they are). `model` picks the model
/// whose tokenizer to use when the gateway serves more than one.
public struct TokenizeRequest: OpenAIRequest, Equatable {
    /// One element of `content`.
    public enum Piece: Codable, Sendable, Equatable {
        case text(String)
        case token(Int32)

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s); return }
            if let t = try? c.decode(Int32.self) { self = .token(t); return }
            throw DecodingError.typeMismatch(Piece.self, .init(codingPath: decoder.codingPath,
                                                               debugDescription: "a string or a token id"))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .token(let t): try c.encode(t)
            }
        }
    }

    /// Most content elements in one request.
    public static let maxPieces = 65_536

    public var model: String?
    public var content: [Piece]
    /// Add the special tokens the model adds to a prompt (its BOS, if it has `add_bos_token`)
    /// before a first element that is text; llama-server's default: false.
    public var addSpecial: Bool
    /// Read control tokens written in the text (`<|im_start|>`) as themselves (default: true).
    public var parseSpecial: Bool
    /// Answer `{"id", "piece"}` objects instead of bare ids.
    public var withPieces: Bool

    public init(model: String? = nil, content: [Piece], addSpecial: Bool = false, parseSpecial: Bool = true, withPieces: Bool = false) {
        self.model = model
        self.content = content
        self.addSpecial = addSpecial
        self.parseSpecial = parseSpecial
        self.withPieces = withPieces
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, content
        case addSpecial = "add_special"
        case parseSpecial = "parse_special"
        case withPieces = "with_pieces"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        if let s = try? c.decode(String.self, forKey: .content) {
            content = [.text(s)]
        } else {
            content = try c.decode([Piece].self, forKey: .content)
        }
        addSpecial = try c.decodeIfPresent(Bool.self, forKey: .addSpecial) ?? false
        parseSpecial = try c.decodeIfPresent(Bool.self, forKey: .parseSpecial) ?? true
        withPieces = try c.decodeIfPresent(Bool.self, forKey: .withPieces) ?? false
        let unknown = try Self.unmodelledFields(decoder, modelled: Set(CodingKeys.allCases.map(\.rawValue)))
        if let first = unknown.first { throw Self.unknown(first, decoder) }
    }

    public func validate() throws(OpenAIError) {
        if content.count > Self.maxPieces {
            throw .invalidValue(param: "content", "at most \(Self.maxPieces) elements are allowed, got \(content.count)")
        }
    }
}

/// The body of `POST /detokenize`: token ids to text (llama-server's shape).
public struct DetokenizeRequest: OpenAIRequest, Equatable {
    public var model: String?
    public var tokens: [Int32]

    public init(model: String? = nil, tokens: [Int32]) {
        self.model = model
        self.tokens = tokens
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, tokens
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        tokens = try c.decode([Int32].self, forKey: .tokens)
        let unknown = try Self.unmodelledFields(decoder, modelled: Set(CodingKeys.allCases.map(\.rawValue)))
        if let first = unknown.first { throw TokenizeRequest.unknown(first, decoder) }
    }

    public func validate() throws(OpenAIError) {
        if tokens.count > TokenizeRequest.maxPieces {
            throw .invalidValue(param: "tokens", "at most \(TokenizeRequest.maxPieces) tokens are allowed, got \(tokens.count)")
        }
    }
}

extension TokenizeRequest {
    /// A top-level field these endpoints do not take: a 400 naming it, never ignored.
    static func unknown(_ name: String, _ decoder: any Decoder) -> FieldError {
        FieldError(decoder.codingPath + [AnyCodingKey(stringValue: name)], .unsupported("'\(name)' is not a field of this endpoint"))
    }
}
