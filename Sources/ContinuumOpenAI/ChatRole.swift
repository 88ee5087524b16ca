/// Who wrote a chat message. `developer` is OpenAI's newer name for `system`.
public enum ChatRole: String, Codable, Sendable, CaseIterable {
    case system, user, assistant, tool, developer
}
