extension ChatCompletionRequest {
    /// One message of a chat request. `content` is nil only for an assistant message that
    /// carried tool calls (their details are not kept: they are forwarded as sent to remote
    /// backends, and a local engine refuses them).
    public struct Message: Codable, Sendable, Equatable {
        public var role: ChatRole
        public var content: ChatMessageContent?
        /// Optional participant name.
        public var name: String?
        /// For `tool` messages: the call this message answers.
        public var toolCallID: String?
        /// Whether an assistant message carried `tool_calls`.
        public var hasToolCalls = false

        public init(role: ChatRole, content: String?, name: String? = nil, toolCallID: String? = nil) {
            self.role = role
            self.content = content.map(ChatMessageContent.text)
            self.name = name
            self.toolCallID = toolCallID
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
            hasToolCalls = c.contains(.toolCalls) && (try? c.decodeNil(forKey: .toolCalls)) != true
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encodeIfPresent(content, forKey: .content)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encodeIfPresent(toolCallID, forKey: .toolCallID)
        }
    }
}
