import ContinuumEngine
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
        messages.map { ChatMessage(role: $0.role == .developer ? ChatRole.system.rawValue : $0.role.rawValue, content: $0.content?.text ?? "") }
    }

    func plan(for backend: LocalBackend, maxTokens: Int?) throws -> GenerationPlan {
        let prompt: [Int32]
        do {
            prompt = try backend.engine.chatPrompt(chatMessages)
        } catch {
            throw OpenAIError.serverError("chat template: \(error)")
        }
        return GenerationPlan(
            prompt: prompt,
            parameters: GenerationPlan.parameters(sampling, maxTokens: maxTokens, topLogprobs: logprobsCount),
            stream: isStreaming, includeUsage: includeUsage, logprobs: logprobsCount)
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
        case .text(let t): ids = tokenizer.encode(t, parseSpecial: false)
        case .tokens(let t):
            let vocab = tokenizer.vocabularySize
            guard t.allSatisfy({ $0 >= 0 && $0 < vocab }) else {
                throw OpenAIError.invalidValue(param: "prompt", "token ids must be in 0..<\(vocab)")
            }
            ids = t.map { Int32($0) }
        }
        guard !ids.isEmpty else { throw OpenAIError.invalidValue(param: "prompt", "the prompt is empty") }
        return GenerationPlan(prompt: ids, parameters: GenerationPlan.parameters(sampling, maxTokens: maxTokens ?? 16, topLogprobs: logprobs),
                              stream: isStreaming, includeUsage: includeUsage, logprobs: logprobs)
    }

    func respond(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>, plan: GenerationPlan, meta: ResponseMetadata,
                 backend: LocalBackend, log: RequestLog, headers: HTTPFields) async throws -> Response {
        try await CompletionAnswer(meta: meta, plan: plan, backend: backend).respond(updates, log: log, headers: headers)
    }
}
