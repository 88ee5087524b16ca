extension ChatCompletionRequest {
    /// One message of a chat request. `content` is nil only for an assistant message that
    /// carried tool calls.
    public struct Message: Codable, Sendable, Equatable {
        public var role: ChatRole
        public var content: ChatMessageContent?
        /// Optional participant name.
        public var name: String?
        /// For `tool` messages: the call this message answers.
        public var toolCallID: String?
        /// The calls an assistant message made (empty for other messages).
        public var toolCalls: [ToolCall] = []

        public init(role: ChatRole, content: String?, name: String? = nil, toolCallID: String? = nil, toolCalls: [ToolCall] = []) {
            self.role = role
            self.content = content.map(ChatMessageContent.text)
            self.name = name
            self.toolCallID = toolCallID
            self.toolCalls = toolCalls
        }

        private enum CodingKeys: String, CodingKey {
            case role, content, name
            case toolCallID = "tool_call_id"
            case toolCalls = "tool_calls"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let role = try c.decodeEnumIfPresent(ChatRole.self, forKey: .role) else {
                throw DecodingError.keyNotFound(CodingKeys.role, .init(codingPath: c.codingPath, debugDescription: "role"))
            }
            self.role = role
            content = try c.decodeIfPresent(ChatMessageContent.self, forKey: .content)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            toolCallID = try c.decodeIfPresent(String.self, forKey: .toolCallID)
            toolCalls = try c.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encodeIfPresent(content, forKey: .content)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encodeIfPresent(toolCallID, forKey: .toolCallID)
            if !toolCalls.isEmpty { try c.encode(toolCalls, forKey: .toolCalls) }
        }
    }
}
