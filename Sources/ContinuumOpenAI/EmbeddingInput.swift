/// The `input` of an embeddings request, normalised to a batch: a string becomes one text,
/// an array of token ids one token sequence.
public enum EmbeddingInput: Codable, Sendable, Equatable {
    case texts([String])
    case tokens([[Int]])

    /// Number of inputs (embeddings to return).
    public var count: Int {
        switch self {
        case .texts(let t): t.count
        case .tokens(let t): t.count
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .texts([s])
            return
        }
        guard var list = try? decoder.unkeyedContainer() else {
            throw FieldError(decoder.codingPath, .type(expected: "a string, an array of strings or an array of token ids"))
        }
        if list.isAtEnd {
            self = .texts([])
        } else if (try? list.decode(String.self)) != nil {
            self = .texts(try c.decode([String].self))
        } else if (try? list.nestedUnkeyedContainer()) != nil {
            var all = try decoder.unkeyedContainer()
            var batch: [[Int]] = []
            while !all.isAtEnd {
                let index = all.currentIndex
                guard var one = try? all.nestedUnkeyedContainer() else {
                    throw FieldError(decoder.codingPath + [AnyCodingKey(intValue: index)], .type(expected: "an array of token ids"))
                }
                var tokens: [Int] = []
                while !one.isAtEnd { tokens.append(try one.decodeInteger()) }
                batch.append(tokens)
            }
            self = .tokens(batch)
        } else {
            var all = try decoder.unkeyedContainer()
            var tokens: [Int] = []
            while !all.isAtEnd { tokens.append(try all.decodeInteger()) }
            self = .tokens([tokens])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .texts(let t): try c.encode(t)
        case .tokens(let t): try c.encode(t)
        }
    }
}
