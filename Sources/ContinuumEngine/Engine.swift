public import ContinuumGGUF
import ContinuumKernels
public import ContinuumModels
public import ContinuumTokenizers
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one GGUF language model on the CPU: tokenize, prefill, decode, sample, detokenize.
///
/// One sequence at a time (`BatchEngine` serves many at once): calls are serialised by a
/// lock. The KV cache persists between calls and the longest common prefix with the
/// previous prompt is reused, so a chat's history is not recomputed.
///
/// `@unchecked Sendable`: all mutable state, and the only use of the model, is in `state`,
/// touched only under `lock`.
public final class Engine: @unchecked Sendable {
    public struct Options: Sendable {
        public var modelPath: String
        public var threads: Int
        /// Context length in tokens; nil → the model's trained length, capped at 4096.
        public var contextLength: Int?
        /// Most prompt tokens processed per forward pass.
        public var batchSize: Int
        /// An explicit chat template instead of the one the model file names.
        public var template: ChatTemplate.Kind?

        public init(modelPath: String, threads: Int = Engine.defaultThreadCount, contextLength: Int? = nil,
                    batchSize: Int = 512, template: ChatTemplate.Kind? = nil) {
            self.modelPath = modelPath
            self.threads = threads
            self.contextLength = contextLength
            self.batchSize = batchSize
            self.template = template
        }
    }

    public static var defaultThreadCount: Int { max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    public var gguf: GGUFFile { loaded.gguf }
    public var tokenizer: Tokenizer { loaded.tokenizer }
    public var contextLength: Int { loaded.contextLength }
    private let loaded: LoadedModel
    private let lock = NSLock()
    private var state: State

    struct State {
        let model: TransformerDecoder
        let cache: KVCache
        /// Tokens whose keys and values are in `cache`, in order.
        var cached: [Int32]
        let logits: UnsafeMutablePointer<Float>
    }

    public init(_ options: Options) throws {
        loaded = try LoadedModel(path: options.modelPath, threads: options.threads, maxBatch: options.batchSize,
                                 contextLength: options.contextLength, template: options.template)
        let model = loaded.model
        let cache = KVCache(configuration: model.configuration, capacity: loaded.contextLength)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: model.configuration.vocabularySize)
        var cached: [Int32] = []
        cached.reserveCapacity(loaded.contextLength)
        state = State(model: model, cache: cache, cached: cached, logits: logits)
    }

    deinit {
        state.logits.deallocate()
    }

    public var configuration: DecoderConfiguration { state.model.configuration }

    /// The chat template, or the error saying why the model's template is not supported.
    public func chatTemplate() throws -> ChatTemplate { try loaded.template.get() }

    /// Renders messages with the chat template and tokenizes them (special tokens parsed).
    public func chatPrompt(_ messages: [ChatMessage], tools: [String] = []) throws -> [Int32] { try loaded.chatPrompt(messages, tools: tools) }

    /// Generates from `prompt` token ids. `onEvent` sees every sampled token with the text
    /// it releases; returning false stops the generation (`.cancelled`, unless that token
    /// ended it anyway).
    @discardableResult
    public func generate(prompt: [Int32], parameters: SamplingParameters,
                         onEvent: (GenerationEvent) -> Bool = { _ in true }) throws -> GenerationResult {
        let params = try parameters.validated()
        guard !prompt.isEmpty else { throw EngineError(.emptyPrompt, "the prompt has no tokens") }
        let vocab = tokenizer.vocabularySize
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw EngineError(.invalidToken, "token \(bad) is outside 0..<\(vocab)")
        }
        guard prompt.count < contextLength else {
            throw EngineError(.promptTooLong, "\(prompt.count) prompt tokens; the context holds \(contextLength)")
        }
        let sampler = try Sampler(parameters: params, vocabularySize: tokenizer.vocabularySize)
        sampler.accept(contentsOf: prompt)
        let output = SequenceOutput(tokenizer: tokenizer, stop: params.stop,
                                    limit: SequenceOutput.limit(promptCount: prompt.count, maxTokens: params.maxTokens,
                                                                contextLength: contextLength))
        return lock.withLock {
            Self.run(&state, prompt: prompt, sampler: sampler, output: output, onEvent: onEvent)
        }
    }

    private static func run(_ s: inout State, prompt: [Int32], sampler: Sampler, output: SequenceOutput,
                            onEvent: (GenerationEvent) -> Bool) -> GenerationResult {
        let model = s.model
        // Reuse the common prefix of what is cached; always recompute at least the last
        // prompt token, whose logits start the generation.
        var reuse = 0
        while reuse < min(s.cached.count, prompt.count - 1), s.cached[reuse] == prompt[reuse] { reuse += 1 }
        s.cached.removeSubrange(reuse...)

        let t0 = ContinuousClock.now
        var position = reuse
        prompt.withUnsafeBufferPointer { p in
            while position < p.count {
                let n = min(model.maxBatch, p.count - position)
                model.forward(UnsafeBufferPointer(rebasing: p[position..<(position + n)]), start: position,
                              cache: s.cache, logits: s.logits)
                position += n
            }
        }
        s.cached.append(contentsOf: prompt[reuse...])
        let t1 = ContinuousClock.now

        var output = output
        var token: Int32 = 0
        while true {
            if !output.tokens.isEmpty {
                // Feed the previous token. The output's limit keeps it inside the context.
                precondition(s.cached.count < s.cache.capacity, "generation past the context")
                withUnsafePointer(to: &token) { tp in
                    model.forward(UnsafeBufferPointer(start: tp, count: 1), start: s.cached.count,
                                  cache: s.cache, logits: s.logits)
                }
                s.cached.append(token)
            }
            let sampled = sampler.sample(logits: s.logits)
            token = sampled.id
            sampler.accept(token)
            let piece = output.append(token)
            let goOn = onEvent(GenerationEvent(token: sampled, text: piece))
            if output.finishReason != nil || !goOn { break }
        }
        // The last sampled token was never fed; the cache holds everything before it.
        let t2 = ContinuousClock.now
        return output.result(otherwise: .cancelled, promptTokens: prompt.count, cachedPromptTokens: reuse,
                             prefillSeconds: seconds(t1 - t0), decodeSeconds: seconds(t2 - t1))
    }

    /// Runs `body` with exclusive use of the model, its cache and the record of cached tokens.
    func withSequence<R>(_ body: (TransformerDecoder, KVCache, inout [Int32]) -> R) -> R {
        lock.withLock { body(state.model, state.cache, &state.cached) }
    }

    /// Forgets the cached prefix (the next generation prefills from scratch).
    public func resetCache() {
        lock.withLock { state.cached.removeAll(keepingCapacity: true) }
    }
}

func seconds(_ d: Duration) -> Double { d.inSeconds }

extension Duration {
    /// The duration in seconds as a Double (for reports and timings).
    public var inSeconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) * 1e-18
    }
}
