import ArgumentParser
import ContinuumEngine
import ContinuumTokenizers
import Foundation

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat interactively with a model, keeping the conversation's history.",
        discussion: "Type a message and press Enter. Ctrl-C stops an answer; /reset clears the history; /exit, Ctrl-D or Ctrl-C at the prompt quits.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @Option(help: "System prompt.") var system: String?
    @Flag(help: "Print timings after each answer.") var verbose = false

    func run() throws {
        let engine = try model.engine()
        _ = try engine.chatTemplate()  // fail before the first prompt if the template is unknown
        var history: [ChatMessage] = []
        func reset() {
            history = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        }
        reset()
        let interrupt = Interrupt()
        Stderr.print("continuum chat: \(model.model ?? ModelLocation.defaultFile), context \(engine.contextLength) tokens. /reset, /exit.")
        while true {
            Stdout.write("> ")
            guard let line = readLine(strippingNewline: true) else { break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input == "/exit" || input == "/quit" { break }
            if input == "/reset" { reset(); Stderr.print("(history cleared)"); continue }
            history.append(ChatMessage(role: "user", content: input))
            var ids = try engine.chatPrompt(history)
            // Keep the conversation inside the context: drop the oldest turns first.
            while ids.count + 64 > engine.contextLength, history.count > 1 + (system == nil ? 0 : 1) {
                history.remove(at: system == nil ? 0 : 1)
                ids = try engine.chatPrompt(history)
            }
            interrupt.setGenerating(true)
            let result = try engine.generate(prompt: ids, parameters: sampling.parameters) { event in
                if !event.text.isEmpty { Stdout.write(event.text) }
                return !interrupt.takePending
            }
            interrupt.setGenerating(false)
            Stdout.write("\n")
            history.append(ChatMessage(role: "assistant", content: result.text))
            if verbose { Stderr.print(Stats.summary(result)) }
        }
    }
}
