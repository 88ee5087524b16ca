/// Response ids in OpenAI's style: a prefix and 24 random letters and digits.
public enum ResponseID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// `prefix` followed by `length` random alphanumerics drawn from `generator`.
    public static func make(prefix: String, length: Int = 24, using generator: inout some RandomNumberGenerator) -> String {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + length)
        for _ in 0..<length { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `chatcmpl-…` for chat completions.
    public static func chatCompletion(using generator: inout some RandomNumberGenerator) -> String {
        make(prefix: "chatcmpl-", using: &generator)
    }

    /// `chatcmpl-…` from the system's random source.
    public static func chatCompletion() -> String {
        var g = SystemRandomNumberGenerator()
        return chatCompletion(using: &g)
    }

    /// `cmpl-…` for legacy completions.
    public static func completion(using generator: inout some RandomNumberGenerator) -> String {
        make(prefix: "cmpl-", using: &generator)
    }

    /// `cmpl-…` from the system's random source.
    public static func completion() -> String {
        var g = SystemRandomNumberGenerator()
        return completion(using: &g)
    }
}
