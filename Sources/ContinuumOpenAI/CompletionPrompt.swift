/// The `prompt` of a legacy completions request: text or token ids. OpenAI also accepts a
/// batch of prompts; this server takes one, so a one-element array is unwrapped and a
/// longer one is rejected (`unsupported_value`).
public enum CompletionPrompt: Codable, Sendable, Equatable {
    case text(String)
    case tokens([Int])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .text(s)
            return
        }
        guard var list = try? decoder.unkeyedContainer() else {
            throw FieldError(decoder.codingPath, .type(expected: "a string, an array of strings or an array of token ids"))
        }
        if list.count == 0 { throw FieldError(decoder.codingPath, .value("must not be empty")) }
        if let s = try? list.decode(String.self) {
            self = .text(s)
        } else if var tokens = try? list.nestedUnkeyedContainer() {
            self = .tokens(try Self.decodeTokens(&tokens))
        } else {
            var all = try decoder.unkeyedContainer()
            self = .tokens(try Self.decodeTokens(&all))
            return
        }
        if !list.isAtEnd {
            throw FieldError(decoder.codingPath, .unsupported("only one prompt per request is supported, got \(list.count ?? 0)"))
        }
    }

    private static func decodeTokens(_ list: inout any UnkeyedDecodingContainer) throws -> [Int] {
        var tokens: [Int] = []
        tokens.reserveCapacity(list.count ?? 0)
        while !list.isAtEnd { tokens.append(try list.decodeInteger()) }
        return tokens
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .tokens(let t): try c.encode(t)
        }
    }
}
