public import Foundation

/// A request body of the API: decoded with precise errors, then checked by ``validate()``.
public protocol OpenAIRequest: Codable, Sendable {
    /// Checks every field's range and combination, throwing the first violation as a 400
    /// ``OpenAIError`` whose `param` names the field.
    func validate() throws(OpenAIError)
    /// Takes what decoding loses from the client's bytes (the key order of JSON Schemas).
    mutating func attachRaw(_ raw: RawJSON)
}

extension OpenAIRequest {
    public mutating func attachRaw(_ raw: RawJSON) {}

    /// Decodes and validates a request body. Every failure is an ``OpenAIError`` ready to
    /// send: malformed JSON, a missing field, a wrong type (naming the JSON path, what was
    /// expected and what was sent) or an invalid value.
    public static func decode(from body: Data) throws(OpenAIError) -> Self {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .malformedJSON("the body is empty")
        }
        var request: Self
        do {
            request = try JSONDecoder().decode(Self.self, from: body)
        } catch {
            throw .decoding(error, body: body)
        }
        request.attachRaw(RawJSON(body))
        try request.validate()
        return request
    }
}
