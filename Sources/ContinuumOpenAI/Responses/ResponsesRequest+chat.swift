import Foundation

extension ResponsesRequest {
    /// The chat completion that answers this request after `history` (the stored conversation
    /// of `previous_response_id`, oldest first): instructions as the first system message, then
    /// the items as messages. Consecutive function calls become one assistant message with
    /// `tool_calls`; a function's output becomes a `tool` message. Streams ask for usage (the
    /// final event carries it). Throws the chat request's own validation errors, with their
    /// `param` renamed where the fields differ.
    public func chatRequest(history: [ResponseItem] = []) throws(OpenAIError) -> ChatCompletionRequest {
        var messages: [ChatCompletionRequest.Message] = []
        if let instructions { messages.append(.init(role: .system, content: instructions)) }
        for item in history + input {
            switch item {
            case .message(let role, let text):
                messages.append(.init(role: role, content: text))
            case .functionCall(let callID, let name, let arguments):
                let call = ToolCall(id: callID, name: name, arguments: arguments)
                if let last = messages.last, last.role == .assistant {
                    // The model's text and its calls of one turn are one chat message.
                    messages[messages.count - 1].toolCalls.append(call)
                } else {
                    messages.append(.init(role: .assistant, content: nil, toolCalls: [call]))
                }
            case .functionCallOutput(let callID, let output):
                messages.append(.init(role: .tool, content: output, toolCallID: callID))
            }
        }
        var chat = ChatCompletionRequest(model: model, messages: messages,
                                         sampling: SamplingOptions(temperature: temperature, topP: topP),
                                         maxCompletionTokens: maxOutputTokens, stream: stream,
                                         streamOptions: isStreaming ? StreamOptions(includeUsage: true) : nil, user: user ?? safetyIdentifier)
        chat.tools = tools
        // `auto` is the Responses default, echoed in every response: fine without tools (chat refuses it).
        chat.toolChoice = toolChoice == .auto && tools.isEmpty ? nil : toolChoice
        chat.parallelToolCalls = parallelToolCalls
        chat.responseFormat = format
        do {
            try chat.validate()
        } catch {
            throw Self.renamed(error)
        }
        return chat
    }

    /// A chat validation error with the Responses field names.
    private static func renamed(_ e: OpenAIError) -> OpenAIError {
        guard let param = e.param else { return e }
        let renames = [("max_completion_tokens", "max_output_tokens"), ("response_format.json_schema", "text.format"),
                       ("response_format", "text.format"), ("messages", "input"), (".function.name", ".name")]
        var p = param
        for (from, to) in renames { p = p.replacingOccurrences(of: from, with: to) }
        guard p != param else { return e }
        return OpenAIError(status: e.status, message: e.message.replacingOccurrences(of: "'\(param)'", with: "'\(p)'"),
                           type: e.type, param: p, code: e.code)
    }
}
