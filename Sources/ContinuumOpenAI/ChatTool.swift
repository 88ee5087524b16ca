/// A tool the model may call (`tools[i]`): only `function` tools exist in chat completions.
public struct ChatTool: Codable, Sendable, Equatable {
    public var function: FunctionDefinition

    public struct FunctionDefinition: Codable, Sendable, Equatable {
        public var name: String
        public var description: String?
        /// The JSON Schema of the arguments as the client wrote it (key order kept once the
        /// gateway has attached the raw bytes); nil: the function takes no parameters.
        public var parameters: String?
        public var strict: Bool?

        public init(name: String, description: String? = nil, parameters: String? = nil, strict: Bool? = nil) {
            self.name = name
            self.description = description
            self.parameters = parameters
            self.strict = strict
        }

        private enum CodingKeys: String, CodingKey { case name, description, parameters, strict }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            strict = try c.decodeIfPresent(Bool.self, forKey: .strict)
            if c.contains(.parameters), try !c.decodeNil(forKey: .parameters) {
                parameters = try JSONText.canonical(c.decode(JSONText.self, forKey: .parameters), at: c.codingPath + [CodingKeys.parameters])
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(description, forKey: .description)
            try c.encodeIfPresent(parameters.map(JSONText.init(text:)), forKey: .parameters)
            try c.encodeIfPresent(strict, forKey: .strict)
        }
    }

    public init(function: FunctionDefinition) { self.function = function }

    private enum Kind: String, CaseIterable { case function }
    private enum CodingKeys: String, CodingKey { case type, function }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard try c.decodeEnumIfPresent(Kind.self, forKey: .type) != nil else {
            throw DecodingError.keyNotFound(CodingKeys.type, .init(codingPath: c.codingPath, debugDescription: "type"))
        }
        function = try c.decode(FunctionDefinition.self, forKey: .function)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("function", forKey: .type)
        try c.encode(function, forKey: .function)
    }
}

/// `tool_choice`: whether and which tool the model must call.
public enum ToolChoice: Codable, Sendable, Equatable {
    /// Never call a tool.
    case none
    /// The model decides (the default when tools are given).
    case auto
    /// Call at least one tool.
    case required
    /// Call this function.
    case function(String)

    private enum Mode: String, CaseIterable { case none, auto, required }
    private enum CodingKeys: String, CodingKey { case type, function }
    private enum FunctionKeys: String, CodingKey { case name }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.singleValueContainer(), let s = try? c.decode(String.self) {
            guard let mode = Mode(rawValue: s) else {
                throw FieldError(decoder.codingPath, .value("'\(s)' is not one of 'none', 'auto', 'required' or an object naming a function"))
            }
            self = switch mode { case .none: .none; case .auto: .auto; case .required: .required }
            return
        }
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else {
            throw FieldError(decoder.codingPath, .type(expected: "a string or an object"))
        }
        let f = try c.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        self = .function(try f.decode(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .none, .auto, .required:
            var c = encoder.singleValueContainer()
            try c.encode(self == .none ? "none" : self == .auto ? "auto" : "required")
        case .function(let name):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("function", forKey: .type)
            var f = c.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
            try f.encode(name, forKey: .name)
        }
    }
}

/// A call the assistant made (`message.tool_calls[i]`), in requests and responses.
public struct ToolCall: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var function: Function

    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        /// The arguments as a JSON text (OpenAI sends a string, not an object).
        public var arguments: String

        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.type = "function"
        self.function = Function(name: name, arguments: arguments)
    }
}

/// A piece of a tool call in a stream (`delta.tool_calls[i]`): the first piece of a call
/// carries its index, id, type and name; later pieces carry argument text.
public struct ToolCallDelta: Codable, Sendable, Equatable {
    public var index: Int
    public var id: String?
    public var type: String?
    public var function: Function

    public struct Function: Codable, Sendable, Equatable {
        public var name: String?
        public var arguments: String?
    }

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String?) {
        self.index = index
        self.id = id
        self.type = id == nil ? nil : "function"
        self.function = Function(name: name, arguments: arguments)
    }
}
