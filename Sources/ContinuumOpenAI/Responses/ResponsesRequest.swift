/// The body of `POST /v1/responses` (OpenAI's Responses API), in its stateless use plus
/// `store` and `previous_response_id`. The gateway answers it as a chat completion
/// (``chatRequest(history:)``), so every field it models maps onto one; every other field
/// (built-in tools, reasoning, background, include, …) is refused with a 400 naming it.
public struct ResponsesRequest: OpenAIRequest, Equatable {
    public var model: String
    /// `input`, as items (a string is one user message).
    public var input: [ResponseItem]
    /// A system message put first; not carried over to the next turn (as OpenAI does).
    public var instructions: String?
    public var tools: [ChatTool] = []
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?
    public var maxOutputTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    /// `text.format`, as chat's `response_format`.
    public var format: ResponseFormat?
    public var user: String?
    /// `safety_identifier`, OpenAI's newer name for the end user's id (the ledger's `user` when
    /// `user` is not given).
    public var safetyIdentifier: String?
    /// Up to 16 string pairs, echoed back.
    public var metadata: [String: String]?
    public var stream: Bool?
    /// Whether to keep the response for `previous_response_id`; nil: the server's default.
    public var store: Bool?
    public var previousResponseID: String?

    public init(model: String, input: [ResponseItem]) {
        self.model = model
        self.input = input
    }

    public var isStreaming: Bool { stream == true }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, input, instructions, tools, user, metadata, stream, store, text, temperature, truncation, include
        case toolChoice = "tool_choice", parallelToolCalls = "parallel_tool_calls", maxOutputTokens = "max_output_tokens"
        case topP = "top_p", previousResponseID = "previous_response_id", safetyIdentifier = "safety_identifier"
    }
    private enum ToolKeys: String, CodingKey { case type, name, description, parameters, strict }
    private enum ChoiceKeys: String, CodingKey { case type, name }
    private enum TextKeys: String, CodingKey { case format }
    private enum FormatKeys: String, CodingKey { case type, name, description, schema, strict }

    public init(from decoder: any Decoder) throws {
        // Unknown or unsupported top-level fields first: the first one is named in the 400.
        let keys = Set(CodingKeys.allCases.map(\.rawValue))
        if let extra = try Self.unmodelledFields(decoder, modelled: keys).first {
            throw FieldError([AnyCodingKey(stringValue: extra)], .unsupported("this gateway answers Responses requests with chat models and does not support '\(extra)'"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        if let s = try? c.decode(String.self, forKey: .input) {
            input = [.message(role: .user, text: s)]
        } else if c.contains(.input), try !c.decodeNil(forKey: .input) {
            guard (try? c.nestedUnkeyedContainer(forKey: .input)) != nil else {
                throw FieldError(c.codingPath + [CodingKeys.input], .type(expected: "a string or an array of input items"))
            }
            input = try c.decode([ResponseItem].self, forKey: .input)
        } else {
            input = []
        }
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions)
        toolChoice = try Self.toolChoice(c)
        parallelToolCalls = try c.decodeIfPresent(Bool.self, forKey: .parallelToolCalls)
        maxOutputTokens = try c.decodeIntegerIfPresent(Int.self, forKey: .maxOutputTokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        safetyIdentifier = try c.decodeIfPresent(String.self, forKey: .safetyIdentifier)
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        store = try c.decodeIfPresent(Bool.self, forKey: .store)
        previousResponseID = try c.decodeIfPresent(String.self, forKey: .previousResponseID)
        if let t = try c.decodeIfPresent(String.self, forKey: .truncation), t != "disabled" {
            throw FieldError(c.codingPath + [CodingKeys.truncation], .unsupported("only 'disabled' is supported: a prompt longer than the context is an error, never cut"))
        }
        if c.contains(.include), try !c.decodeNil(forKey: .include), try !c.decode([String].self, forKey: .include).isEmpty {
            throw FieldError(c.codingPath + [CodingKeys.include], .unsupported("no extra output data (reasoning, search results, logprobs) is available"))
        }
        if c.contains(.tools), try !c.decodeNil(forKey: .tools) {
            var list = try c.nestedUnkeyedContainer(forKey: .tools)
            while !list.isAtEnd {
                let d = try list.superDecoder()
                try refuseUnknownKeys(d, allowed: ["type", "name", "description", "parameters", "strict"])
                let t = try d.container(keyedBy: ToolKeys.self)
                let type = try t.decode(String.self, forKey: .type)
                guard type == "function" else {
                    throw FieldError(t.codingPath + [ToolKeys.type], .unsupported("'\(type)' is a built-in tool of OpenAI's; only function tools are supported"))
                }
                var f = ChatTool.FunctionDefinition(name: try t.decode(String.self, forKey: .name),
                                                    description: try t.decodeIfPresent(String.self, forKey: .description),
                                                    strict: try t.decodeIfPresent(Bool.self, forKey: .strict))
                if t.contains(.parameters), try !t.decodeNil(forKey: .parameters) {
                    f.parameters = try JSONText.canonical(t.decode(JSONText.self, forKey: .parameters), at: t.codingPath + [ToolKeys.parameters])
                }
                tools.append(ChatTool(function: f))
            }
        }
        if c.contains(.text), try !c.decodeNil(forKey: .text) {
            let t = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .text)
            if let other = t.allKeys.first(where: { $0.stringValue != "format" }), try !t.decodeNil(forKey: other) {
                throw FieldError(t.codingPath + [other], .unsupported("only 'text.format' is supported"))
            }
            let format = AnyCodingKey(stringValue: "format")
            if t.contains(format), try !t.decodeNil(forKey: format) {
                let d = try t.superDecoder(forKey: format)
                let f = try d.container(keyedBy: FormatKeys.self)
                let type = try f.decode(String.self, forKey: .type)
                try refuseUnknownKeys(d, allowed: type == "json_schema" ? ["type", "name", "description", "schema", "strict"] : ["type"])
                switch type {
                case "text": self.format = .text
                case "json_object": self.format = .jsonObject
                case "json_schema":
                    guard f.contains(.schema), try !f.decodeNil(forKey: .schema) else {
                        throw DecodingError.keyNotFound(FormatKeys.schema, .init(codingPath: f.codingPath, debugDescription: "schema"))
                    }
                    let schema = try JSONText.canonical(f.decode(JSONText.self, forKey: .schema), at: f.codingPath + [FormatKeys.schema])
                    self.format = .jsonSchema(.init(name: try f.decode(String.self, forKey: .name),
                                                    description: try f.decodeIfPresent(String.self, forKey: .description),
                                                    strict: try f.decodeIfPresent(Bool.self, forKey: .strict), schema: schema))
                case let other:
                    throw FieldError(f.codingPath + [FormatKeys.type], .value("'\(other)' is not one of 'text', 'json_object', 'json_schema'"))
                }
            }
        }
    }

    /// `tool_choice`: a mode, or `{"type": "function", "name": …}` (the Responses shape, flat).
    private static func toolChoice(_ c: KeyedDecodingContainer<CodingKeys>) throws -> ToolChoice? {
        guard c.contains(.toolChoice), try !c.decodeNil(forKey: .toolChoice) else { return nil }
        if let s = try? c.decode(String.self, forKey: .toolChoice) {
            switch s {
            case "none": return ToolChoice.none
            case "auto": return .auto
            case "required": return .required
            default: throw FieldError(c.codingPath + [CodingKeys.toolChoice], .value("'\(s)' is not one of 'none', 'auto', 'required' or an object naming a function"))
            }
        }
        let d = try c.superDecoder(forKey: .toolChoice)
        try refuseUnknownKeys(d, allowed: ["type", "name"])
        let o = try d.container(keyedBy: ChoiceKeys.self)
        let type = try o.decode(String.self, forKey: .type)
        guard type == "function" else {
            throw FieldError(o.codingPath + [ChoiceKeys.type], .unsupported("only function tools can be chosen, not '\(type)'"))
        }
        return .function(try o.decode(String.self, forKey: .name))
    }

    /// The input and the turn's main settings in the Responses shape, for logs and tests
    /// (not a full round trip: the gateway forwards the chat request, never this).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(input, forKey: .input)
        try c.encodeIfPresent(instructions, forKey: .instructions)
        try c.encodeIfPresent(maxOutputTokens, forKey: .maxOutputTokens)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encodeIfPresent(store, forKey: .store)
        try c.encodeIfPresent(previousResponseID, forKey: .previousResponseID)
    }

    /// Replaces the schemas' text with the client's own bytes (their key order is the order
    /// properties are generated in).
    public mutating func attachRaw(_ raw: RawJSON) {
        guard format != nil || !tools.isEmpty else { return }
        let found = raw.rawValues { p in
            (p.count == 3 && p[0] == .key("text") && p[1] == .key("format") && p[2] == .key("schema"))
                || (p.count == 3 && p[0] == .key("tools") && p[2] == .key("parameters"))
        } ?? []
        for (path, text) in found {
            if path[0] == .key("text"), case .jsonSchema(var f)? = format {
                f.schema = text
                format = .jsonSchema(f)
            } else if case .index(let i) = path[1], tools.indices.contains(i), tools[i].function.parameters != nil {
                tools[i].function.parameters = text
            }
        }
    }

    /// Ranges and combinations; the rest is checked on the chat request it becomes.
    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if input.isEmpty && previousResponseID == nil { throw .missingParameter("input") }
        try SamplingOptions.check(maxOutputTokens, "max_output_tokens", atLeast: 1)
        try SamplingOptions.checkTokenLimit(maxOutputTokens, "max_output_tokens")
        if let metadata {
            if metadata.count > 16 { throw .invalidValue(param: "metadata", "at most 16 pairs") }
            if let k = metadata.keys.first(where: { $0.count > 64 }) { throw .invalidValue(param: "metadata", "key '\(k)' is longer than 64 characters") }
            if let k = metadata.first(where: { $0.value.count > 512 })?.key { throw .invalidValue(param: "metadata.\(k)", "longer than 512 characters") }
        }
    }
}
