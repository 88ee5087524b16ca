import ArgumentParser
import ContinuumGateway
import ContinuumRouting
import ContinuumTokenizers
import Foundation

/// What prefix-aware routing costs the gateway per request: rendering the chat template,
/// tokenizing, and hashing the KV blocks of a long prompt, as `PromptHasher` does.
struct BenchRouting: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-routing",
        abstract: "Measure the gateway's per-request cost of tokenizing and block-hashing a prompt for routing.")

    @Option(name: [.short, .long], help: "GGUF whose tokenizer to use (default: the default model).") var model: String?
    @Option(help: "Approximate prompt length in tokens.") var tokens = 2000
    @Option(name: .short, help: "Repetitions (the median is reported).") var r = 200

    func run() throws {
        guard tokens >= 1, r >= 1 else { throw ValidationError("--tokens and -r must be at least 1") }
        let hasher = try PromptHasher(modelPath: try ModelLocation.resolve(model))
        // English-like text from a fixed word list, grown until it has the requested length.
        let words = ["the", "gateway", "routes", "each", "request", "to", "a", "replica", "whose", "cache", "holds",
                     "its", "prefix,", "and", "counts", "tokens", "exactly", "as", "engines", "do."]
        var text = ""
        var i = 0
        while hasher.tokenizer.encode(text, parseSpecial: false).count < tokens {
            for _ in 0..<50 { text += words[(i * 7 + i / 3) % words.count] + " "; i += 1 }
        }
        let messages = [ChatMessage(role: "system", content: "You are a helpful assistant."), ChatMessage(role: "user", content: text)]
        var times: [Double] = []
        var blocks = 0, count = 0
        for _ in 0..<r {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let req = hasher.chat(messages)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            blocks = req.blockHashes.count
            count = req.promptTokens
        }
        times.sort()
        print(String(format: "routing prompt: %d tokens, %d blocks of %d; template + tokenize + hash: median %.3f ms, p90 %.3f ms, min %.3f ms (%d runs)",
                     count, blocks, hasher.blockSize, times[times.count / 2], times[times.count * 9 / 10], times[0], r))
    }
}
