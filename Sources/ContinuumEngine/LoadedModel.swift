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
    /// The chat template, or why the model's is not supported (the model still serves
    /// prompts given as tokens).
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
        do {
            self.template = .success(try ChatTemplate(gguf: gguf, override: template))
        } catch {
            self.template = .failure(EngineError(.template, "\(error)"))
        }
        self.contextLength = max(16, contextLength ?? min(c.trainedContextLength, 4096))
        model.reserve(positions: self.contextLength)
    }

    /// Renders messages with the chat template and tokenizes them (special tokens parsed).
    func chatPrompt(_ messages: [ChatMessage]) throws(EngineError) -> [Int32] {
        tokenizer.encode(try template.get().render(messages, addGenerationPrompt: true), parseSpecial: true)
    }
}
