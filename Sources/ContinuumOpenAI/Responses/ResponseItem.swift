/// One item of a Responses conversation, as the client sends it in `input` and as the gateway
/// stores a conversation for `previous_response_id`: a message, a function call the model made,
/// or a function's output. Only text is modelled: image, file and audio parts, and item types
/// of OpenAI's built-in tools, are refused when decoding (a 400 naming the item), never dropped.
public enum ResponseItem: Codable, Sendable, Equatable {
    /// A message; `role` is user, system, developer or assistant.
    case message(role: ChatRole, text: String)
    /// A call the model made: `callID` links it to its output.
    case functionCall(callID: String, name: String, arguments: String)
    /// The client's result of a call.
    case functionCallOutput(callID: String, output: String)

    private enum Kind: String, CaseIterable { case message, function_call, function_call_output }
    private enum CodingKeys: String, CodingKey { case type, role, content, call_id, name, arguments, output, id, status }
    private enum PartKeys: String, CodingKey { case type, text }

    /// Item types OpenAI accepts that a chat model cannot take (built-in tools, reasoning, …).
    static let unsupportedKinds: Set<String> = [
        "item_reference", "reasoning", "file_search_call", "computer_call", "computer_call_output", "web_search_call",
        "image_generation_call", "code_interpreter_call", "local_shell_call", "local_shell_call_output", "mcp_call",
        "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "custom_tool_call", "custom_tool_call_output",
    ]
    /// Content part types OpenAI accepts that only a multimodal model could read.
    static let unsupportedParts: Set<String> = ["input_image", "input_file", "input_audio", "refusal"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A message may leave out `type` (OpenAI's "easy input message").
        let type = try c.decodeIfPresent(String.self, forKey: .type) ?? "message"
        guard let kind = Kind(rawValue: type) else {
            if Self.unsupportedKinds.contains(type) {
                throw FieldError(c.codingPath + [CodingKeys.type], .unsupported("items of type '\(type)' are not supported: this gateway serves chat models without OpenAI's built-in tools"))
            }
            throw FieldError(c.codingPath + [CodingKeys.type], .value("'\(type)' is not an input item type; expected message, function_call or function_call_output"))
        }
        // `id` and `status` come with output items replayed as input: identifiers, nothing to honour.
        switch kind {
        case .message: try refuseUnknownKeys(decoder, allowed: ["type", "role", "content", "id", "status"])
        case .function_call: try refuseUnknownKeys(decoder, allowed: ["type", "call_id", "name", "arguments", "id", "status"])
        case .function_call_output: try refuseUnknownKeys(decoder, allowed: ["type", "call_id", "output", "id", "status"])
        }
        _ = try c.decodeIfPresent(String.self, forKey: .id)
        _ = try c.decodeIfPresent(String.self, forKey: .status)
        switch kind {
        case .message:
            guard let role = try c.decodeEnumIfPresent(Role.self, forKey: .role) else {
                throw DecodingError.keyNotFound(CodingKeys.role, .init(codingPath: c.codingPath, debugDescription: "role"))
            }
            self = .message(role: ChatRole(rawValue: role.rawValue)!, text: try Self.text(c, key: .content))
        case .function_call:
            self = .functionCall(callID: try c.decode(String.self, forKey: .call_id), name: try c.decode(String.self, forKey: .name),
                                 arguments: try c.decode(String.self, forKey: .arguments))
        case .function_call_output:
            self = .functionCallOutput(callID: try c.decode(String.self, forKey: .call_id), output: try Self.text(c, key: .output))
        }
    }

    private enum Role: String, CaseIterable { case user, system, developer, assistant }

    /// A string, or an array of text parts (`input_text`, `output_text`) joined without separator.
    private static func text(_ c: KeyedDecodingContainer<CodingKeys>, key: CodingKeys) throws -> String {
        if let s = try? c.decode(String.self, forKey: key) { return s }
        guard var list = try? c.nestedUnkeyedContainer(forKey: key) else {
            if !c.contains(key) { throw DecodingError.keyNotFound(key, .init(codingPath: c.codingPath, debugDescription: key.rawValue)) }
            throw FieldError(c.codingPath + [key], .type(expected: "a string or an array of content parts"))
        }
        var text = ""
        while !list.isAtEnd {
            let index = list.currentIndex
            let d = try list.superDecoder()
            let part = try d.container(keyedBy: PartKeys.self)
            let path = c.codingPath + [key, AnyCodingKey(intValue: index)]
            let type = try part.decode(String.self, forKey: .type)
            switch type {
            case "input_text", "output_text", "text":
                // An output part replayed as input carries its annotations and logprobs: output, not instructions.
                try refuseUnknownKeys(d, allowed: ["type", "text", "annotations", "logprobs"])
                text += try part.decode(String.self, forKey: .text)
            case let t where unsupportedParts.contains(t):
                throw FieldError(path + [PartKeys.type], .unsupported("'\(t)' parts are not supported: the served models read text only"))
            default:
                throw FieldError(path + [PartKeys.type], .value("'\(type)' is not a content part type; expected input_text or output_text"))
            }
        }
        return text
    }

    /// Encoded in the input shape, so that a stored conversation decodes with `init(from:)`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .message(let role, let text):
            try c.encode("message", forKey: .type)
            try c.encode(role, forKey: .role)
            try c.encode(text, forKey: .content)
        case .functionCall(let callID, let name, let arguments):
            try c.encode("function_call", forKey: .type)
            try c.encode(callID, forKey: .call_id)
            try c.encode(name, forKey: .name)
            try c.encode(arguments, forKey: .arguments)
        case .functionCallOutput(let callID, let output):
            try c.encode("function_call_output", forKey: .type)
            try c.encode(callID, forKey: .call_id)
            try c.encode(output, forKey: .output)
        }
    }
}
