/// A message's content: a string, or an array of content parts as newer clients send it.
/// Only `text` parts are supported; image, audio and file parts are rejected while decoding
/// with an `unsupported_value` error naming the part (`messages[0].content[1].type`).
public enum ChatMessageContent: Codable, Sendable, Equatable {
    case text(String)
    case parts([ChatContentPart])

    /// The text of the content; parts are concatenated without separator, as OpenAI does.
    public var text: String {
        switch self {
        case .text(let s): s
        case .parts(let parts): parts.map(\.text).joined()
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .text(s)
        } else if (try? decoder.unkeyedContainer()) != nil {
            self = .parts(try c.decode([ChatContentPart].self))
        } else {
            throw FieldError(decoder.codingPath, .type(expected: "a string or an array of content parts"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .parts(let parts): try c.encode(parts)
        }
    }
}

/// A `{"type": "text", "text": "…"}` content part.
public struct ChatContentPart: Codable, Sendable, Equatable {
    public var text: String

    public init(text: String) { self.text = text }

    private enum CodingKeys: String, CodingKey { case type, text }

    /// Part types OpenAI accepts that this server cannot take.
    private static let unsupported: Set<String> = ["image_url", "input_audio", "file", "image", "refusal"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        guard type == "text" else {
            let path = decoder.codingPath + [CodingKeys.type]
            if Self.unsupported.contains(type) {
                throw FieldError(path, .unsupported("'\(type)' content parts are not supported; this server accepts text only"))
            }
            throw FieldError(path, .value("'\(type)' is not a content part type; expected 'text'"))
        }
        text = try c.decode(String.self, forKey: .text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("text", forKey: .type)
        try c.encode(text, forKey: .text)
    }
}
