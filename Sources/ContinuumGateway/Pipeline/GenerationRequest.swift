import ContinuumEngine
import ContinuumGrammar
import ContinuumOpenAI
import ContinuumRouting
import ContinuumTokenizers
import Hummingbird
import HTTPTypes

/// A text-generation request as the pipeline sees it, whatever its endpoint: what the route
/// decision reads (model, text to scan, fields only remote backends honour), what the
/// budget reserves, how a forwarded body is edited, and how a local engine answers it.
protocol GenerationRequest: Sendable {
    var model: String { get }
    /// The path under an OpenAI-compatible backend's base URL.
    static var upstreamPath: String { get }
    var isStreaming: Bool { get }
    /// Whether the client asked for the usage chunk at the end of a stream.
    var includeUsage: Bool { get }
    /// The most tokens the client lets it generate (nil: up to the context).
    var maxTokens: Int? { get }
    var user: String? { get }
    /// Fields only a remote backend can honour (OpenAIRequest's `forwardOnly`).
    var forwardOnly: [String] { get }
    /// The text the privacy scan reads, `user` excluded; nil when it cannot be read (token
    /// ids without the model's tokenizer).
    func scanText(tokenizer: Tokenizer?) -> String?
    /// Prompt tokens at most, for the budget: UTF-8 bytes bound byte-level BPE tokens, plus
    /// room for a chat template's markers.
    var promptTokenBound: Int { get }
    /// The prompt as a prefix-aware replica policy sees it.
    func routingRequest(_ hasher: PromptHasher) -> RoutingRequest
    /// The JSON paths whose text redaction replaces.
    static func isRedactable(_ path: [RawJSON.Step]) -> Bool
    /// The engine's work: prompt tokens and sampling, generating at most `maxTokens`
    /// (the request's, bounded by the key's budget).
    func plan(for backend: LocalBackend, maxTokens: Int?) throws -> GenerationPlan
    /// The response to a generation under way on a local engine.
    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, meta: ResponseMetadata,
                 backend: LocalBackend, log: RequestLog, headers: HTTPFields) async throws -> Response
}

extension ChatCompletionRequest: GenerationRequest {
    static var upstreamPath: String { "/chat/completions" }

    func scanText(tokenizer: Tokenizer?) -> String? { messages.map { $0.content?.text ?? "" }.joined(separator: "\n") }

    /// 64 tokens cover a template's default system prompt (SmolLM2's is ~20).
    var promptTokenBound: Int { messages.reduce(64) { $0 + ($1.content?.text.utf8.count ?? 0) + 8 } }

    func routingRequest(_ hasher: PromptHasher) -> RoutingRequest { hasher.chat(chatMessages) }

    static func isRedactable(_ path: [RawJSON.Step]) -> Bool {
        switch path.count {
        case 1: path[0] == .key("user")
        case 3: path[0] == .key("messages") && path[2] == .key("content")  // messages[i].content
        case 5: path[0] == .key("messages") && path[2] == .key("content") && path[4] == .key("text")  // messages[i].content[j].text
        default: false
        }
    }

    /// The messages as the chat template reads them: `developer` is the system role.
    var chatMessages: [ChatMessage] {
        messages.map { m in
            ChatMessage(role: m.role == .developer ? ChatRole.system.rawValue : m.role.rawValue, content: m.content?.text,
                        toolCalls: m.toolCalls.map { ChatToolCall(id: $0.id, name: $0.function.name, arguments: $0.function.arguments) },
                        toolCallID: m.toolCallID, name: m.name)
        }
    }

    /// The prompt for a template that defines no tool format, in the generic one
    /// (``ToolCallFormat``): the functions described in the system message, earlier calls
    /// written out as the model would have written them, and tool results as
    /// `<tool_response>` blocks in a user turn (as Qwen2.5's own template renders them).
    func genericToolMessages(_ tools: [ToolCallFormat.Function]) -> [ChatMessage] {
        var out: [ChatMessage] = []
        for m in chatMessages {
            var text = m.content ?? ""
            if m.role == ChatRole.assistant.rawValue, !m.toolCalls.isEmpty {
                let calls = m.toolCalls.map { ToolCallFormat.render(name: $0.name, arguments: $0.arguments) }
                text = ((text.isEmpty ? [] : [text]) + calls).joined(separator: "\n")
            }
            if m.role == ChatRole.tool.rawValue {
                let block = "<tool_response>\n\(text)\n</tool_response>"
                if let last = out.last, last.role == ChatRole.user.rawValue, last.content?.hasSuffix("</tool_response>") == true {
                    out[out.count - 1].content = (last.content ?? "") + "\n" + block
                } else {
                    out.append(ChatMessage(role: ChatRole.user.rawValue, content: block))
                }
                continue
            }
            out.append(ChatMessage(role: m.role, content: text))
        }
        if !tools.isEmpty {
            let prompt = ToolCallFormat.systemPrompt(tools)
            if let first = out.first, first.role == ChatRole.system.rawValue {
                out[0].content = (first.content ?? "") + "\n\n" + prompt
            } else {
                out.insert(ChatMessage(role: ChatRole.system.rawValue, content: prompt), at: 0)
            }
        }
        return out
    }

    /// The prompt tokens: the model's own template renders tools where it defines a tool
    /// format (Qwen2.5's), otherwise the generic format stands in.
    func prompt(engine: BatchEngine, tools: [ToolCallFormat.Function]) throws -> [Int32] {
        let native = (try? engine.chatTemplate().supportsTools) ?? false
        let hasToolTurns = messages.contains { !$0.toolCalls.isEmpty || $0.role == .tool }
        if native || (tools.isEmpty && !hasToolTurns) {
            return try engine.chatPrompt(chatMessages, tools: tools.map(\.toolJSON))
        }
        return try engine.chatPrompt(genericToolMessages(tools))
    }

    func plan(for backend: LocalBackend, maxTokens: Int?) throws -> GenerationPlan {
        let rules = try OutputRules(chat: self)
        let prompt: [Int32]
        do {
            prompt = try self.prompt(engine: backend.engine, tools: rules.functions)
        } catch let e as EngineError where e.code == .template && e.message.hasPrefix("the chat template rejects") {
            // The template's own check (roles that must alternate, …): the conversation's fault.
            throw OpenAIError.invalidValue(param: "messages", e.message)
        } catch {
            throw OpenAIError.serverError("chat template: \(error)")
        }
        var plan = GenerationPlan(
            prompt: prompt,
            parameters: GenerationPlan.parameters(sampling, maxTokens: maxTokens, topLogprobs: logprobsCount),
            stream: isStreaming, includeUsage: includeUsage, logprobs: logprobsCount)
        plan.constraint = try rules.constraint(engine: backend.engine, logprobs: logprobsCount != nil)
        if rules.parsesToolCalls { plan.toolFunctions = Set(rules.functions.map(\.name)) }
        plan.singleToolCall = parallelToolCalls == false
        return plan
    }

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, meta: ResponseMetadata,
                 backend: LocalBackend, log: RequestLog, headers: HTTPFields) async throws -> Response {
        try await ChatAnswer(meta: meta, plan: plan, backend: backend).respond(updates, log: log, headers: headers)
    }
}

extension CompletionRequest: GenerationRequest {
    static var upstreamPath: String { "/completions" }

    /// The legacy API's default is 16 tokens.
    var maxTokens: Int? { sampling.maxTokens ?? 16 }

    func scanText(tokenizer: Tokenizer?) -> String? {
        switch prompt {
        case .text(let t): return t
        case .tokens(let ids):
            guard let tokenizer else { return nil }
            return tokenizer.decode(ids.map { Int32(truncatingIfNeeded: $0) })
        }
    }

    var promptTokenBound: Int {
        switch prompt {
        case .text(let t): t.utf8.count + 2
        case .tokens(let ids): ids.count
        }
    }

    func routingRequest(_ hasher: PromptHasher) -> RoutingRequest {
        switch prompt {
        case .text(let t): hasher.text(t)
        case .tokens(let ids): hasher.tokens(ids.map { Int32(truncatingIfNeeded: $0) })
        }
    }

    static func isRedactable(_ path: [RawJSON.Step]) -> Bool {
        switch path.count {
        case 1: path[0] == .key("prompt") || path[0] == .key("user")
        case 2: path[0] == .key("prompt")
        default: false
        }
    }

    func plan(for backend: LocalBackend, maxTokens: Int?) throws -> GenerationPlan {
        let tokenizer = backend.engine.tokenizer
        let ids: [Int32]
        switch prompt {
        // Control tokens a client wrote in its own templated text are parsed, as llama-server
        // and vLLM do, unless it says otherwise.
        case .text(let t): ids = tokenizer.encode(t, parseSpecial: parseSpecial ?? true)
        case .tokens(let t):
            let vocab = tokenizer.vocabularySize
            guard t.allSatisfy({ $0 >= 0 && $0 < vocab }) else {
                throw OpenAIError.invalidValue(param: "prompt", "token ids must be in 0..<\(vocab)")
            }
            ids = t.map { Int32($0) }
        }
        guard !ids.isEmpty else { throw OpenAIError.invalidValue(param: "prompt", "the prompt is empty") }
        var plan = GenerationPlan(prompt: ids, parameters: GenerationPlan.parameters(sampling, maxTokens: maxTokens ?? 16, topLogprobs: logprobs),
                                  stream: isStreaming, includeUsage: includeUsage, logprobs: logprobs)
        plan.constraint = try OutputRules(completion: self).constraint(engine: backend.engine, logprobs: logprobs != nil)
        return plan
    }

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, meta: ResponseMetadata,
                 backend: LocalBackend, log: RequestLog, headers: HTTPFields) async throws -> Response {
        try await CompletionAnswer(meta: meta, plan: plan, backend: backend).respond(updates, log: log, headers: headers)
    }
}
