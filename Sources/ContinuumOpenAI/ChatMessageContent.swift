/// A message's content: a string, or an array of content parts as newer clients send it.
/// Image, audio and file parts are kept as their type only: the gateway forwards the
/// client's own bytes to remote backends, and a local engine refuses them when routing.
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

/// A content part: `{"type": "text", "text": "…"}`, or another of OpenAI's part types,
/// of which only the type is kept (`text` is then empty).
public struct ChatContentPart: Codable, Sendable, Equatable {
    public var type: String
    public var text: String

    public init(text: String) {
        type = "text"
        self.text = text
    }

    private enum CodingKeys: String, CodingKey { case type, text }

    /// Part types OpenAI accepts besides text (forwarded as sent; no local engine reads them).
    public static let mediaTypes: Set<String> = ["image_url", "input_audio", "file", "image", "refusal"]

    public var isText: Bool { type == "text" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        guard type == "text" else {
            guard Self.mediaTypes.contains(type) else {
                throw FieldError(decoder.codingPath + [CodingKeys.type],
                                 .value("'\(type)' is not a content part type; expected one of text, \(Self.mediaTypes.sorted().joined(separator: ", "))"))
            }
            text = ""
            return
        }
        text = try c.decode(String.self, forKey: .text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        if isText { try c.encode(text, forKey: .text) }
    }
}
