import ArgumentParser
import ContinuumKernels
import Foundation

@main
struct Continuum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "Run GGUF language models on the CPU and serve them over an OpenAI-compatible API.",
        subcommands: [Serve.self, Generate.self, Chat.self, Inspect.self, Bench.self, Keys.self, Usage.self, Replay.self, BenchRouting.self, PIIEval.self, Router.self, BenchEmbed.self, BenchGrammar.self, Tokenize.self, BenchLimits.self])

    /// Refuses to start when CONTINUUM_ISA asks for a kernel path this CPU cannot run (or one
    /// that does not exist), instead of quietly measuring or serving with another one.
    static func main() async {
        do {
            try KernelISA.checkEnvironment()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
