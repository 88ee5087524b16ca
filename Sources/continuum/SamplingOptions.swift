import ArgumentParser
import ContinuumEngine
import ContinuumTokenizers
import Foundation

/// Sampling flags shared by `generate` and `chat`.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Temperature; 0 is greedy.") var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 disables.") var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass; 1 disables.") var topP: Float = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens below min-p × the top probability; 0 disables.") var minP: Float = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty; 1 disables.") var repeatPenalty: Float = 1.0
    @Option(name: .customLong("frequency-penalty")) var frequencyPenalty: Float = 0
    @Option(name: .customLong("presence-penalty")) var presencePenalty: Float = 0
    @Option(help: "Random seed (same seed, same output).") var seed: UInt64?
    @Option(name: [.customShort("n"), .customLong("max-tokens")], help: "Most tokens to generate.") var maxTokens: Int?
    @Option(name: .customLong("stop"), help: "Stop string (repeatable).") var stop: [String] = []

    var parameters: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repetitionPenalty = repeatPenalty
        p.frequencyPenalty = frequencyPenalty
        p.presencePenalty = presencePenalty
        p.seed = seed
        p.maxTokens = maxTokens
        p.stop = stop
        return p
    }
}

/// Model flags shared by commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "GGUF model file (default: SmolLM2-135M-Instruct Q4_1 from the model cache).")
    var model: String?
    @Option(name: [.short, .long], help: "Threads.") var threads: Int = Engine.defaultThreadCount
    @Option(name: [.short, .customLong("ctx-size")], help: "Context length (default: the model's, at most 4096).")
    var contextLength: Int?
    @Option(help: "Chat template to use instead of the model's: a shipped name (\(ChatTemplate.shippedNames.joined(separator: ", "))) or a .jinja file.")
    var template: String?

    func engine() throws -> Engine {
        let path = try ModelLocation.resolve(model)
        let kind = try template.map(Self.templateChoice)
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        return try Engine(.init(modelPath: path, threads: threads, contextLength: contextLength, template: kind))
    }

    /// `--template NAME|FILE`: a shipped template by name, else a .jinja file that must exist.
    static func templateChoice(_ text: String) throws -> ChatTemplate.Kind {
        let kind = ChatTemplate.Kind.parse((text as NSString).expandingTildeInPath)
        if case .file(let path) = kind, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--template '\(text)' is neither a shipped template (\(ChatTemplate.shippedNames.joined(separator: ", "))) nor a file")
        }
        return kind
    }
}
