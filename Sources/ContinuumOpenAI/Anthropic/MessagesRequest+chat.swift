import Foundation

extension MessagesRequest {
    /// The same request as a chat completion, which the gateway's one generation path runs:
    ///
    /// | Messages                              | Chat completions                                   |
    /// |---------------------------------------|----------------------------------------------------|
    /// | `system`                              | a first `system` message                           |
    /// | user `text` blocks                    | a `user` message (blocks joined with newlines)     |
    /// | user `tool_result` blocks             | `tool` messages (`tool_call_id`), before the text  |
    /// | `is_error: true`                      | the result's text prefixed with `Error: `          |
    /// | assistant `text` / `tool_use` blocks  | an `assistant` message with `tool_calls`           |
    /// | `max_tokens`, `temperature`, `top_p`, `top_k` | the same fields                            |
    /// | `stop_sequences`                      | `stop`                                             |
    /// | `tools[i]` (name, description, input_schema) | `tools[i].function` (name, description, parameters) |
    /// | `tool_choice` auto / any / tool / none | `auto` / `required` / `{function}` / `none`       |
    /// | `disable_parallel_tool_use`           | `parallel_tool_calls: false`                       |
    /// | `metadata.user_id`                    | `user`                                             |
    /// | `stream`                              | `stream` with `stream_options.include_usage`       |
    public func chatRequest() -> ChatCompletionRequest {
        var out: [ChatCompletionRequest.Message] = []
        if let system { out.append(.init(role: .system, content: system)) }
        for m in messages {
            switch m.role {
            case .user:
                var texts: [String] = []
                for block in m.content {
                    switch block {
                    case .text(let t): texts.append(t)
                    case .toolResult(let id, let content, let isError):
                        out.append(.init(role: .tool, content: isError ? "Error: " + content : content, toolCallID: id))
                    case .toolUse: break  // refused by validate()
                    }
                }
                if !texts.isEmpty || !m.content.contains(where: { if case .toolResult = $0 { true } else { false } }) {
                    out.append(.init(role: .user, content: texts.joined(separator: "\n")))
                }
            case .assistant:
                var texts: [String] = []
                var calls: [ToolCall] = []
                for block in m.content {
                    switch block {
                    case .text(let t): texts.append(t)
                    case .toolUse(let id, let name, let input): calls.append(ToolCall(id: id, name: name, arguments: input))
                    case .toolResult: break  // refused by validate()
                    }
                }
                out.append(.init(role: .assistant, content: texts.isEmpty && !calls.isEmpty ? nil : texts.joined(separator: "\n"),
                                 toolCalls: calls))
            }
        }
        var sampling = SamplingOptions(maxTokens: maxTokens, temperature: temperature, topP: topP, stop: stopSequences, topK: topK)
        sampling.n = nil
        var chat = ChatCompletionRequest(model: model, messages: out, sampling: sampling, stream: stream,
                                         streamOptions: stream == true ? StreamOptions(includeUsage: true) : nil, user: userID)
        chat.tools = tools.map { ChatTool(function: .init(name: $0.name, description: $0.description, parameters: $0.inputSchema)) }
        if let choice = toolChoice {
            switch choice.mode {
            case .auto: chat.toolChoice = tools.isEmpty ? nil : .auto
            case .any: chat.toolChoice = .required
            case .tool: chat.toolChoice = choice.name.map(ContinuumOpenAI.ToolChoice.function)
            case .none: chat.toolChoice = ContinuumOpenAI.ToolChoice.none
            }
            if choice.disableParallelToolUse == true { chat.parallelToolCalls = false }
        }
        return chat
    }
}

extension MessagesResponse {
    /// Anthropic's stop reason for a chat finish reason and the stop string that ended it
    /// (`stop_reason`, which continuum and vLLM report): `stop` is `stop_sequence` when a
    /// stop string ended it, else the model's own `end_turn`.
    public static func stopReason(_ r: OpenAIFinishReason?, stopSequence: String? = nil) -> String {
        switch r {
        case .stop? where stopSequence != nil: "stop_sequence"
        case .length?: "max_tokens"
        case .toolCalls?: "tool_use"
        case .contentFilter?: "refusal"
        default: "end_turn"
        }
    }

    /// The message for a chat completion's first choice; `id` and `model` are the client's.
    /// Throws when a tool call's arguments are not a JSON object (Anthropic's `input` must be).
    public init(_ c: ChatCompletion, id: String, model: String) throws(OpenAIError) {
        let choice = c.choices.first
        var blocks: [ContentBlock] = []
        if let text = choice?.message.content, !text.isEmpty { blocks.append(.text(text)) }
        for call in choice?.message.toolCalls ?? [] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(call.function.arguments.utf8)), object is [String: Any] else {
                throw .backendFailure("the model called '\(call.function.name)' with arguments that are not a JSON object")
            }
            blocks.append(.toolUse(id: call.id, name: call.function.name, input: call.function.arguments))
        }
        let stop = choice?.finishReason == .stop ? choice?.stopReason : nil
        self.init(id: id, model: model, content: blocks, stopReason: Self.stopReason(choice?.finishReason, stopSequence: stop), stopSequence: stop,
                  usage: MessagesUsage(inputTokens: c.usage?.promptTokens ?? 0, outputTokens: c.usage?.completionTokens ?? 0))
    }
}
