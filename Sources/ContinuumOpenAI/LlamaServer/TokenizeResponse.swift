/// The answer of `POST /tokenize` (llama-server's shape): `{"tokens": [ids]}`, or with
/// `with_pieces` `{"tokens": [{"id", "piece"}]}` where a piece that is not valid UTF-8 on its
/// own (part of a character) is its list of bytes.
public enum TokenizeResponse: Encodable, Sendable, Equatable {
    case ids([Int32])
    case pieces([Token])

    public struct Token: Encodable, Sendable, Equatable {
        public var id: Int32
        public var piece: Piece

        public init(id: Int32, piece: Piece) {
            self.id = id
            self.piece = piece
        }
    }

    public enum Piece: Encodable, Sendable, Equatable {
        case text(String)
        case bytes([UInt8])

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .bytes(let b): try c.encode(b)
            }
        }
    }

    private enum CodingKeys: String, CodingKey { case tokens }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .ids(let ids): try c.encode(ids, forKey: .tokens)
        case .pieces(let p): try c.encode(p, forKey: .tokens)
        }
    }
}
