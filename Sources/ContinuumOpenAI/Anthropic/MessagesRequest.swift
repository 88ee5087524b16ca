import Foundation

/// The body of Anthropic's `POST /v1/messages`, as far as this server can honour it. Every
/// field or block type it cannot honour (images, documents, thinking, server tools, MCP
/// servers, containers, a `service_tier` other than `auto`, unknown keys) fails decoding
/// with a 400 naming its JSON path: nothing is silently dropped.
public struct MessagesRequest: OpenAIRequest, Equatable {
    public var model: String
    public var messages: [Message]
    /// `system`: a string or text blocks, joined with newlines.
    public var system: String?
    /// Required, as in Anthropic's API.
    public var maxTokens: Int
    public var stopSequences: [String]?
    /// `0...1` in Anthropic's API.
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var tools: [Tool] = []
    public var toolChoice: ToolChoice?
    /// `metadata.user_id`: the end user, for the ledger.
    public var userID: String?
    public var stream: Bool?

    public struct Message: Codable, Sendable, Equatable {
        public enum Role: String, Codable, Sendable, CaseIterable { case user, assistant }
        public var role: Role
        public var content: [ContentBlock]

        public init(role: Role, content: [ContentBlock]) {
            self.role = role
            self.content = content
        }

        private enum CodingKeys: String, CodingKey, CaseIterable { case role, content }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let role = try c.decodeEnumIfPresent(Role.self, forKey: .role) else {
                throw DecodingError.keyNotFound(CodingKeys.role, .init(codingPath: c.codingPath, debugDescription: "role"))
            }
            self.role = role
            if let s = try? c.decode(String.self, forKey: .content) {
                content = [.text(s)]
            } else {
                content = try c.decode([ContentBlock].self, forKey: .content)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encode(content, forKey: .content)
        }
    }

    /// A content block of a request message.
    public enum ContentBlock: Codable, Sendable, Equatable {
        case text(String)
        /// An earlier call of the assistant's; `input` is its JSON object as text.
        case toolUse(id: String, name: String, input: String)
        /// The answer to a call: its text (string or text blocks, joined) and whether it is an error.
        case toolResult(toolUseID: String, content: String, isError: Bool)

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case type, text, id, name, input, content, cacheControl = "cache_control", toolUseID = "tool_use_id", isError = "is_error"
        }
        private enum Kind: String, CaseIterable { case text, toolUse = "tool_use", toolResult = "tool_result" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let type = try c.decode(String.self, forKey: .type)
            guard let kind = Kind(rawValue: type) else {
                throw FieldError(decoder.codingPath + [CodingKeys.type], .unsupported(
                    "content blocks of type '\(type)' are not supported by this server (only text, tool_use and tool_result)"))
            }
            // cache_control is a hint: the engine's prefix cache reuses any repeated prefix on its own.
            switch kind {
            case .text:
                try refuseUnknownKeys(decoder, allowed: ["type", "text", "cache_control"])
                try CacheControl.check(c, .cacheControl)
                self = .text(try c.decode(String.self, forKey: .text))
            case .toolUse:
                try refuseUnknownKeys(decoder, allowed: ["type", "id", "name", "input", "cache_control"])
                try CacheControl.check(c, .cacheControl)
                let input = try c.decode(JSONText.self, forKey: .input)
                self = .toolUse(id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
                                input: try JSONText.canonical(input, at: c.codingPath + [CodingKeys.input]))
            case .toolResult:
                try refuseUnknownKeys(decoder, allowed: ["type", "tool_use_id", "content", "is_error", "cache_control"])
                try CacheControl.check(c, .cacheControl)
                let text: String
                if try !c.contains(.content) || c.decodeNil(forKey: .content) {
                    text = ""
                } else if let s = try? c.decode(String.self, forKey: .content) {
                    text = s
                } else {
                    text = try c.decode([TextBlock].self, forKey: .content).map(\.text).joined(separator: "\n")
                }
                self = .toolResult(toolUseID: try c.decode(String.self, forKey: .toolUseID), content: text,
                                   isError: try c.decodeIfPresent(Bool.self, forKey: .isError) ?? false)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let t):
                try c.encode("text", forKey: .type)
                try c.encode(t, forKey: .text)
            case .toolUse(let id, let name, let input):
                try c.encode("tool_use", forKey: .type)
                try c.encode(id, forKey: .id)
                try c.encode(name, forKey: .name)
                try c.encode(JSONText(text: input), forKey: .input)
            case .toolResult(let id, let content, let isError):
                try c.encode("tool_result", forKey: .type)
                try c.encode(id, forKey: .toolUseID)
                try c.encode(content, forKey: .content)
                if isError { try c.encode(true, forKey: .isError) }
            }
        }
    }

    /// A `{"type": "text", "text": …}` block where only text is allowed (system, tool results).
    struct TextBlock: Decodable {
        var text: String
        private enum CodingKeys: String, CodingKey { case type, text, cacheControl = "cache_control" }

        init(from decoder: any Decoder) throws {
            // `citations` on a request block would be dropped: refused like any unknown key.
            try refuseUnknownKeys(decoder, allowed: ["type", "text", "cache_control"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try CacheControl.check(c, .cacheControl)
            let type = try c.decode(String.self, forKey: .type)
            guard type == "text" else {
                throw FieldError(decoder.codingPath + [CodingKeys.type], .unsupported("only text blocks are allowed here, got '\(type)'"))
            }
            text = try c.decode(String.self, forKey: .text)
        }
    }

    /// A client tool: name, description, JSON Schema of its input (key order kept once
    /// ``attachRaw(_:)`` ran). Anthropic's server tools (web search, bash, …) are refused.
    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var description: String?
        public var inputSchema: String

        public init(name: String, description: String? = nil, inputSchema: String) {
            self.name = name
            self.description = description
            self.inputSchema = inputSchema
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case type, name, description, inputSchema = "input_schema", cacheControl = "cache_control"
        }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try CacheControl.check(c, .cacheControl)
            if let type = try c.decodeIfPresent(String.self, forKey: .type), type != "custom" {
                throw FieldError(decoder.codingPath + [CodingKeys.type], .unsupported(
                    "tools of type '\(type)' (Anthropic's server tools) are not supported by this server; give client tools (name, input_schema)"))
            }
            name = try c.decode(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            inputSchema = try JSONText.canonical(c.decode(JSONText.self, forKey: .inputSchema), at: c.codingPath + [CodingKeys.inputSchema])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(description, forKey: .description)
            try c.encode(JSONText(text: inputSchema), forKey: .inputSchema)
        }
    }

    /// `tool_choice`: `auto`, `any` (some tool), `tool` (this one) or `none`.
    public struct ToolChoice: Codable, Sendable, Equatable {
        public enum Mode: String, Codable, Sendable, CaseIterable { case auto, any, tool, none }
        public var mode: Mode
        /// For `tool`: the tool's name.
        public var name: String?
        /// `disable_parallel_tool_use`: at most one call.
        public var disableParallelToolUse: Bool?

        public init(mode: Mode, name: String? = nil, disableParallelToolUse: Bool? = nil) {
            self.mode = mode
            self.name = name
            self.disableParallelToolUse = disableParallelToolUse
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case type, name, disableParallelToolUse = "disable_parallel_tool_use"
        }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let mode = try c.decodeEnumIfPresent(Mode.self, forKey: .type) else {
                throw DecodingError.keyNotFound(CodingKeys.type, .init(codingPath: c.codingPath, debugDescription: "type"))
            }
            self.mode = mode
            name = try c.decodeIfPresent(String.self, forKey: .name)
            disableParallelToolUse = try c.decodeIfPresent(Bool.self, forKey: .disableParallelToolUse)
            if mode == .tool, name == nil {
                throw DecodingError.keyNotFound(CodingKeys.name, .init(codingPath: c.codingPath, debugDescription: "name"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mode, forKey: .type)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encodeIfPresent(disableParallelToolUse, forKey: .disableParallelToolUse)
        }
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, messages, system, maxTokens = "max_tokens", stopSequences = "stop_sequences", temperature
        case topP = "top_p", topK = "top_k", tools, toolChoice = "tool_choice", metadata, stream, serviceTier = "service_tier"
        /// Automatic prompt caching: a hint the engine's prefix cache follows on its own.
        case cacheControl = "cache_control"
    }
    private enum MetadataKeys: String, CodingKey, CaseIterable { case userID = "user_id" }

    public init(model: String, messages: [Message], maxTokens: Int) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
    }

    public init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        messages = try c.decode([Message].self, forKey: .messages)
        if let s = try? c.decode(String.self, forKey: .system) {
            system = s
        } else if c.contains(.system), try !c.decodeNil(forKey: .system) {
            system = try c.decode([TextBlock].self, forKey: .system).map(\.text).joined(separator: "\n")
        }
        guard let maxTokens = try c.decodeIntegerIfPresent(Int.self, forKey: .maxTokens) else {
            throw DecodingError.keyNotFound(CodingKeys.maxTokens, .init(codingPath: [], debugDescription: "max_tokens"))
        }
        self.maxTokens = maxTokens
        // An array, as in Anthropic's API (OpenAI's lone-string `stop` is not accepted here).
        stopSequences = try c.decodeIfPresent([String].self, forKey: .stopSequences)
        try CacheControl.check(c, .cacheControl)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        topK = try c.decodeIntegerIfPresent(Int.self, forKey: .topK)
        tools = try c.decodeIfPresent([Tool].self, forKey: .tools) ?? []
        toolChoice = try c.decodeIfPresent(ToolChoice.self, forKey: .toolChoice)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        if c.contains(.metadata), try !c.decodeNil(forKey: .metadata) {
            let m = try c.superDecoder(forKey: .metadata)
            try refuseUnknownKeys(m, allowed: MetadataKeys.allCases.map(\.rawValue))
            userID = try m.container(keyedBy: MetadataKeys.self).decodeIfPresent(String.self, forKey: .userID)
        }
        // The gateway has one service level; `auto` (the default) is what it gives.
        if let tier = try c.decodeIfPresent(String.self, forKey: .serviceTier), tier != "auto" {
            throw FieldError(c.codingPath + [CodingKeys.serviceTier], .unsupported("only 'auto' is supported, got '\(tier)'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encodeIfPresent(system, forKey: .system)
        try c.encode(maxTokens, forKey: .maxTokens)
        try c.encodeIfPresent(stopSequences, forKey: .stopSequences)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(topP, forKey: .topP)
        try c.encodeIfPresent(topK, forKey: .topK)
        if !tools.isEmpty { try c.encode(tools, forKey: .tools) }
        try c.encodeIfPresent(toolChoice, forKey: .toolChoice)
        try c.encodeIfPresent(stream, forKey: .stream)
        if let userID {
            var m = c.nestedContainer(keyedBy: MetadataKeys.self, forKey: .metadata)
            try m.encode(userID, forKey: .userID)
        }
    }

    /// Replaces tool schemas and tool_use inputs with the client's own bytes, keeping their key
    /// order (the order a model generates properties in).
    public mutating func attachRaw(_ raw: RawJSON) {
        let found = raw.rawValues { p in
            (p.count == 3 && p[0] == .key("tools") && p[2] == .key("input_schema"))
                || (p.count == 5 && p[0] == .key("messages") && p[2] == .key("content") && p[4] == .key("input"))
        } ?? []
        for (path, text) in found {
            if path.count == 3, case .index(let i) = path[1], tools.indices.contains(i) {
                tools[i].inputSchema = text
            } else if path.count == 5, case .index(let i) = path[1], case .index(let j) = path[3], messages.indices.contains(i),
                      messages[i].content.indices.contains(j), case .toolUse(let id, let name, _) = messages[i].content[j] {
                messages[i].content[j] = .toolUse(id: id, name: name, input: text)
            }
        }
    }

    public func validate() throws(OpenAIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if messages.isEmpty { throw .invalidValue(param: "messages", "must contain at least one message") }
        try SamplingOptions.check(maxTokens, "max_tokens", atLeast: 1)
        try SamplingOptions.checkTokenLimit(maxTokens, "max_tokens")
        try SamplingOptions.check(temperature, "temperature", in: 0...1)
        if let topP, !(topP > 0 && topP <= 1) { throw .invalidValue(param: "top_p", "must be greater than 0 and at most 1") }
        try SamplingOptions.check(topK, "top_k", atLeast: 0)
        try SamplingOptions.checkTokenLimit(topK, "top_k")
        if let stop = stopSequences {
            // The engine's stop matcher takes OpenAI's limit.
            if stop.count > SamplingOptions.maxStopSequences {
                throw .invalidValue(param: "stop_sequences", "this server takes at most \(SamplingOptions.maxStopSequences) stop sequences, got \(stop.count)")
            }
            if let i = stop.firstIndex(where: \.isEmpty) { throw .invalidValue(param: "stop_sequences[\(i)]", "must not be empty") }
        }
        var names = Set<String>()
        for (i, t) in tools.enumerated() {
            guard ChatCompletionRequest.isValidName(t.name) else {
                throw .invalidValue(param: "tools[\(i)].name", "must be 1 to 64 letters, digits, '_' or '-', got '\(t.name)'")
            }
            guard names.insert(t.name).inserted else { throw .invalidValue(param: "tools[\(i)].name", "'\(t.name)' is defined twice") }
        }
        if let choice = toolChoice {
            if choice.mode == .tool, let name = choice.name, !names.contains(name) {
                throw .invalidValue(param: "tool_choice.name", "no tool named '\(name)' is in 'tools'")
            }
            if choice.mode == .any || choice.mode == .tool, tools.isEmpty {
                throw .invalidValue(param: "tool_choice", "'\(choice.mode.rawValue)' needs 'tools'")
            }
        }
        for (i, m) in messages.enumerated() {
            for (j, b) in m.content.enumerated() {
                switch (m.role, b) {
                case (.user, .toolUse): throw .invalidValue(param: "messages[\(i)].content[\(j)]", "tool_use blocks belong in assistant messages")
                case (.assistant, .toolResult): throw .invalidValue(param: "messages[\(i)].content[\(j)]", "tool_result blocks belong in user messages")
                default: break
                }
            }
        }
    }
}

/// Throws an `unsupported` error naming the first key of the object `decoder` reads that is
/// not in `allowed` (and not null): a field this server would otherwise silently ignore.
func refuseUnknownKeys(_ decoder: any Decoder, allowed: [String]) throws {
    guard let c = try? decoder.container(keyedBy: AnyCodingKey.self) else { return }
    let allowed = Set(allowed)
    if let key = c.allKeys.filter({ !allowed.contains($0.stringValue) && (try? c.decodeNil(forKey: $0)) != true })
        .min(by: { $0.stringValue < $1.stringValue }) {
        throw FieldError(decoder.codingPath + [key], .unsupported("'\(key.stringValue)' is not supported by this server"))
    }
}
