public import ContinuumGGUF

/// One message of a conversation.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Renders a conversation into the prompt text a model was trained on.
///
/// Not a Jinja interpreter: a template stored in `tokenizer.chat_template` is recognised by its
/// content and rendered by hand. Recognised now: ChatML (`<|im_start|>role\ncontent<|im_end|>\n`,
/// SmolLM2, Qwen2.5), including the default system prompt such a template inserts when the
/// conversation does not start with a system message.
public struct ChatTemplate: Sendable, Equatable {
    /// A template this type can render.
    public enum Kind: Sendable, Equatable {
        /// ChatML with no default system message.
        case chatml
        /// ChatML that starts with this system message when the conversation has none.
        case chatmlWithDefaultSystem(String)
    }

    public let kind: Kind
    /// Render messages with role "tool" as Qwen2.5's template does: consecutive ones grouped
    /// into one user turn, each as `\n<tool_response>\n...\n</tool_response>`. Detected from
    /// the template (it mentions `<tool_response>`); otherwise "tool" is an ordinary role.
    public let wrapsToolMessages: Bool

    /// The template of a GGUF model (`tokenizer.chat_template`), or `override` when given.
    public init(gguf: GGUFFile, override: Kind? = nil) throws(TokenizerError) {
        try self.init(template: gguf.metadata["tokenizer.chat_template"]?.stringValue, override: override)
    }

    /// Recognises a Jinja chat template by its content; `override` chooses the kind instead.
    /// Throws `TokenizerError.unknownChatTemplate` when there is no override and the template is
    /// missing or unknown.
    public init(template: String?, override: Kind? = nil) throws(TokenizerError) {
        wrapsToolMessages = template?.contains("<tool_response>") ?? false
        if let override {
            kind = override
            return
        }
        guard let template else { throw .unknownChatTemplate("the model has no tokenizer.chat_template") }
        guard template.contains("<|im_start|>") else {
            let head = template.prefix(60).split(separator: "\n").joined(separator: " ")
            throw .unknownChatTemplate("unrecognised chat template starting \"\(head)\"")
        }
        kind = Self.defaultSystem(in: template).map(Kind.chatmlWithDefaultSystem) ?? .chatml
    }

    public init(kind: Kind, wrapsToolMessages: Bool = false) {
        self.kind = kind
        self.wrapsToolMessages = wrapsToolMessages
    }

    /// The prompt for `messages`; with `addGenerationPrompt` it ends with the opening of an
    /// assistant turn (`<|im_start|>assistant\n`).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if case .chatmlWithDefaultSystem(let system) = kind, messages.first?.role != "system" {
            out += "<|im_start|>system\n\(system)<|im_end|>\n"
        }
        for (i, m) in messages.enumerated() {
            guard wrapsToolMessages, m.role == "tool" else {
                out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n"
                continue
            }
            if i == 0 || messages[i - 1].role != "tool" { out += "<|im_start|>user" }
            out += "\n<tool_response>\n\(m.content)\n</tool_response>"
            if i == messages.count - 1 || messages[i + 1].role != "tool" { out += "<|im_end|>\n" }
        }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    /// The literal system prompt a ChatML template writes itself: a Jinja string literal
    /// `'<|im_start|>system\n...<|im_end|>...'` whose text up to `<|im_end|>` does not close the
    /// literal (so not `'<|im_start|>system\n' + messages[0]['content'] + ...`). The newline may
    /// be a real one or Jinja's `\n` escape.
    static func defaultSystem(in template: String) -> String? {
        let marker = "<|im_start|>system"
        var searchFrom = template.startIndex
        while let r = template[searchFrom...].firstRange(of: marker) {
            searchFrom = r.upperBound
            guard r.lowerBound > template.startIndex else { continue }
            let quote = template[template.index(before: r.lowerBound)]
            guard quote == "'" || quote == "\"" else { continue }
            var body = template[r.upperBound...]
            if body.hasPrefix("\\n") {
                body = body.dropFirst(2)
            } else if body.hasPrefix("\n") {
                body = body.dropFirst()
            } else {
                continue
            }
            guard let end = body.firstRange(of: "<|im_end|>") else { continue }
            let literal = body[..<end.lowerBound]
            guard !literal.isEmpty, !closesLiteral(literal, quote) else { continue }
            return unescapeJinja(String(literal))
        }
        return nil
    }

    /// Whether `text` contains an unescaped `quote`.
    private static func closesLiteral(_ text: Substring, _ quote: Character) -> Bool {
        var escaped = false
        for c in text {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true } else if c == quote { return true }
        }
        return false
    }

    private static func unescapeJinja(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
