import Foundation

extension OpenAIError {
    /// Turns an error from decoding a request `body` into the error a client should see:
    /// malformed JSON, a missing field, or a field of the wrong type or value, with `param`
    /// naming the JSON path and the message saying what was expected and what was sent.
    static func decoding(_ error: any Error, body: Data) -> OpenAIError {
        if let field = error as? FieldError {
            let param = field.path.param
            switch field.problem {
            case .type(let expected):
                return .invalidType(param: param, expected: expected, got: sent(body, at: field.path))
            case .value(let reason):
                return .invalidValue(param: param ?? "body", reason)
            case .unsupported(let reason):
                return .unsupportedValue(param: param ?? "body", reason)
            }
        }
        guard let error = error as? DecodingError else { return .malformedJSON() }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let path = [JSONPathComponent](context.codingPath)
            return .invalidType(param: path.param, expected: describe(type), got: sent(body, at: path))
        case .keyNotFound(let key, let context):
            let path = [JSONPathComponent](context.codingPath + [key])
            return .missingParameter(path.param ?? key.stringValue)
        case .dataCorrupted(let context):
            let path = [JSONPathComponent](context.codingPath)
            guard let param = path.param else { return .malformedJSON() }
            return .invalidValue(param: param, context.debugDescription)
        @unknown default:
            return .malformedJSON()
        }
    }

    /// What the body holds at `path`, in words ("a string"); only called on the error path.
    private static func sent(_ body: Data, at path: [JSONPathComponent]) -> String {
        guard let tree = try? JSONDecoder().decode(JSONValue.self, from: body),
              let value = tree.value(at: path) else { return "a value of another type" }
        return value.kindDescription
    }

    /// The JSON type a Swift type decodes from, in words.
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Double.Type, is Float.Type: return "a number"
        case is any BinaryInteger.Type: return "an integer"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
            if name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecodingContainer") { return "an object" }
            return "a value of type \(name)"
        }
    }
}
