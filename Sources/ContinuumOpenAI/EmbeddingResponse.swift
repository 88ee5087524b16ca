import Foundation

/// The response of `POST /v1/embeddings`.
public struct EmbeddingResponse: Codable, Sendable, Equatable {
    /// Always `list`.
    public var object: String
    public var data: [Embedding]
    public var model: String
    public var usage: Usage

    /// Embeddings usage has no completion side.
    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var totalTokens: Int

        public init(promptTokens: Int) {
            self.promptTokens = promptTokens
            self.totalTokens = promptTokens
        }

        private enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", totalTokens = "total_tokens"
        }
    }

    public init(data: [Embedding], model: String, usage: Usage) {
        self.object = "list"
        self.data = data
        self.model = model
        self.usage = usage
    }

    /// One embedding per input, in input order, in the requested format (nil means float).
    public init(model: String, vectors: [[Float]], format: EmbeddingRequest.EncodingFormat?, promptTokens: Int) {
        self.init(data: vectors.enumerated().map { Embedding(index: $0.offset, vector: $0.element, format: format ?? .float) },
                  model: model, usage: Usage(promptTokens: promptTokens))
    }
}

/// One vector of an embeddings response.
public struct Embedding: Codable, Sendable, Equatable {
    /// Always `embedding`.
    public var object: String
    public var index: Int
    public var embedding: EmbeddingVector

    public init(index: Int, embedding: EmbeddingVector) {
        self.object = "embedding"
        self.index = index
        self.embedding = embedding
    }

    public init(index: Int, vector: [Float], format: EmbeddingRequest.EncodingFormat) {
        self.init(index: index, embedding: EmbeddingVector(vector, format: format))
    }
}

/// A vector as a JSON array of numbers, or as base64 of its little-endian float32 bytes
/// (what the official Python client asks for by default).
public enum EmbeddingVector: Codable, Sendable, Equatable {
    case float([Float])
    case base64(String)

    public init(_ vector: [Float], format: EmbeddingRequest.EncodingFormat) {
        switch format {
        case .float:
            self = .float(vector)
        case .base64:
            var bytes = [UInt8]()
            bytes.reserveCapacity(vector.count * 4)
            for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            self = .base64(Data(bytes).base64EncodedString())
        }
    }

    /// The numbers, decoding base64 if needed; nil for base64 that is not a whole number of float32s.
    public var values: [Float]? {
        switch self {
        case .float(let v):
            return v
        case .base64(let s):
            guard let data = Data(base64Encoded: s), data.count % 4 == 0 else { return nil }
            return stride(from: 0, to: data.count, by: 4).map { i in
                let b = data.startIndex + i
                let bits = UInt32(data[b]) | UInt32(data[b + 1]) << 8 | UInt32(data[b + 2]) << 16 | UInt32(data[b + 3]) << 24
                return Float(bitPattern: bits)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .base64(s) } else { self = .float(try c.decode([Float].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .float(let v): try c.encode(v)
        case .base64(let s): try c.encode(s)
        }
    }
}
