import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import ContinuumTokenizers

/// A GGUF language model opened for generation: the file, its decoder (scratch for
/// `maxBatch` tokens and `contextLength` positions), tokenizer and chat template. The one
/// loading path of `Engine` and `BatchEngine`.
///
/// Not `Sendable`: the decoder's scratch belongs to whichever engine loaded it.
struct LoadedModel {
    let gguf: GGUFFile
    let model: TransformerDecoder
    let tokenizer: Tokenizer
    /// The chat template, or why there is none (a model without `tokenizer.chat_template` still
    /// serves prompts given as text or tokens).
    let template: Result<ChatTemplate, EngineError>
    /// The longest sequence (prompt + generation) served: `contextLength` if given, else
    /// the model's trained length capped at 4096; at least 16.
    let contextLength: Int

    init(path: String, threads: Int, maxBatch: Int, contextLength: Int?, template: ChatTemplate.Kind?) throws(EngineError) {
        do {
            gguf = try GGUFFile(path: path)
        } catch {
            throw EngineError(.load, "\(path): \(error)")
        }
        do {
            model = try ModelRegistry.load(gguf, context: ComputeContext(threads: max(1, threads)), maxBatch: max(1, maxBatch))
        } catch {
            throw EngineError(.load, "\(path): \(error)")
        }
        do {
            tokenizer = try Tokenizer(gguf: gguf)
        } catch {
            throw EngineError(.load, "\(path): tokenizer: \(error)")
        }
        let c = model.configuration
        guard tokenizer.vocabularySize <= c.vocabularySize else {
            throw EngineError(.load, "tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(c.vocabularySize)")
        }
        // A template that does not parse or uses what the interpreter lacks fails the load
        // (ChatTemplate tries it on a small conversation), not every chat request later.
        if template == nil, gguf.metadata["tokenizer.chat_template"]?.stringValue == nil {
            self.template = .failure(EngineError(.template, "\(path) has no tokenizer.chat_template; choose one with --template (\(ChatTemplate.shippedNames.joined(separator: ", ")) or a .jinja file)"))
        } else {
            do {
                self.template = .success(try ChatTemplate(gguf: gguf, override: template))
            } catch {
                throw EngineError(.load, "\(path): \(error.message)")
            }
        }
        self.contextLength = max(16, contextLength ?? min(c.trainedContextLength, 4096))
        model.reserve(positions: self.contextLength)
    }

    /// Renders messages (and `tools`, JSON texts of OpenAI tool objects) with the chat template
    /// and tokenizes them: the template's markup becomes control tokens, message contents never
    /// do (`ChatTemplate.prompt`). A conversation the template rejects (`raise_exception`) is an
    /// `EngineError.template` quoting the template's message.
    func chatPrompt(_ messages: [ChatMessage], tools: [String] = []) throws(EngineError) -> [Int32] {
        let t = try template.get()
        do {
            return try t.prompt(messages, tools: tools, addGenerationPrompt: true, tokenizer: tokenizer)
        } catch {
            throw EngineError(.template, error.isRaisedByTemplate ? "the chat template rejects the conversation: \(error.message)" : "\(error)")
        }
    }
}
