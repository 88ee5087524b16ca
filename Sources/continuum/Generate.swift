import ArgumentParser
import ContinuumEngine
import ContinuumTokenizers
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate a completion and stream it to stdout.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @Option(name: [.short, .long], help: "The prompt.") var prompt: String
    @Flag(help: "Wrap the prompt as a user message in the model's chat template.") var chat = false
    @Option(help: "System prompt (with --chat).") var system: String?
    @Flag(help: "Print timings to stderr.") var verbose = false
    @Option(help: "Print each token's top-N log-probabilities to stderr (0...20).") var logprobs: Int = 0

    func run() throws {
        let engine = try model.engine()
        let ids: [Int32]
        if chat {
            var messages: [ChatMessage] = []
            if let s = system { messages.append(ChatMessage(role: "system", content: s)) }
            messages.append(ChatMessage(role: "user", content: prompt))
            ids = try engine.chatPrompt(messages)
        } else {
            ids = engine.tokenizer.encode(prompt, parseSpecial: false)
        }
        var parameters = sampling.parameters
        parameters.topLogprobs = logprobs
        let result = try engine.generate(prompt: ids, parameters: parameters) { event in
            if logprobs > 0 {
                let top = event.token.top.map { "\($0.id):\(String(format: "%.4f", $0.logprob))" }.joined(separator: " ")
                Stderr.print("[\(event.token.id) \(String(format: "%.4f", event.token.logprob))] \(top)")
            }
            if !event.text.isEmpty { Stdout.write(event.text) }
            return true
        }
        Stdout.write("\n")
        if verbose {
            Stderr.print(Stats.summary(result))
        }
    }
}

enum Stderr {
    static func print(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}

enum Stats {
    static func summary(_ r: GenerationResult) -> String {
        let pp = Double(r.promptTokens - r.cachedPromptTokens) / max(r.prefillSeconds, 1e-9)
        let tg = Double(r.completionTokens) / max(r.decodeSeconds, 1e-9)
        return String(format: "[%d prompt tokens (%d cached) %.1f t/s, %d generated %.1f t/s, finish: %@]",
                      r.promptTokens, r.cachedPromptTokens, pp, r.completionTokens, tg, r.finishReason.rawValue)
    }
}
