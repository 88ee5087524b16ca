public import Foundation

/// JSON encoding as OpenAI's servers do it: compact, `/` unescaped, nil optionals omitted
/// (the wire types' coding keys are already snake_case).
public enum OpenAIJSON {
    // JSONEncoder is Sendable and keeps no state between calls.
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    /// Encodes `value` as compact JSON.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder.encode(value)
    }
}
