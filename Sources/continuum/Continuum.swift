import ArgumentParser

@main
struct Continuum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "Run GGUF language models on the CPU and serve them over an OpenAI-compatible API.",
        subcommands: [Serve.self, Generate.self, Chat.self, Inspect.self, Bench.self, Keys.self, Usage.self, Replay.self, BenchRouting.self, PIIEval.self, Router.self, BenchEmbed.self, Tokenize.self])
}
