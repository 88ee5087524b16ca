import ArgumentParser

@main
struct Continuum: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "Run GGUF language models on the CPU.",
        subcommands: [Generate.self, Chat.self, Inspect.self, Bench.self])
}
