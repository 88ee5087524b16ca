public import ContinuumEngine
import ContinuumGGUF
public import ContinuumRouting
public import ContinuumTokenizers

/// Turns a request into what a replica policy sees: the prompt tokenized and templated
/// exactly as the replicas' engines will (same tokenizer, same chat template), cut into
/// KV blocks and hashed with the engines' scheme (`KVBlockHash`), so the hashes match the
/// ones replicas publish at `/v1/kv-events`.
public struct PromptHasher: Sendable {
    public let tokenizer: Tokenizer
    public let template: ChatTemplate
    public let blockSize: Int

    public init(tokenizer: Tokenizer, template: ChatTemplate, blockSize: Int = 32) {
        self.tokenizer = tokenizer
        self.template = template
        self.blockSize = blockSize
    }

    /// Reads only the tokenizer and template of a GGUF file (no weights are touched).
    public init(modelPath: String, blockSize: Int = 32) throws {
        let gguf = try GGUFFile(path: modelPath)
        self.init(tokenizer: try Tokenizer(gguf: gguf), template: try ChatTemplate(gguf: gguf), blockSize: blockSize)
    }

    /// A conversation the template rejects hashes as an empty prompt (the replica will refuse it).
    public func chat(_ messages: [ChatMessage], tools: [String] = []) -> RoutingRequest {
        tokens((try? template.prompt(messages, tools: tools, addGenerationPrompt: true, tokenizer: tokenizer)) ?? [])
    }

    public func text(_ prompt: String) -> RoutingRequest {
        tokens(tokenizer.encode(prompt, parseSpecial: false))
    }

    public func tokens(_ ids: [Int32]) -> RoutingRequest {
        RoutingRequest(blockHashes: KVBlockHash.chain(ids, blockSize: blockSize), blockSize: blockSize, promptTokens: ids.count)
    }
}
