import ArgumentParser
import ContinuumEngine
import ContinuumGateway
import ContinuumLedger
import Foundation
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over an OpenAI-compatible HTTP API (continuous batching, prefix cache, API keys, ledger).")

    @Option(name: [.short, .long], help: "GGUF model file (default: SmolLM2-135M-Instruct Q4_1 from the model cache).") var model: String?
    @Option(help: "Name clients use in `model` (default: the file name without .gguf).") var modelName: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8080
    @Option(name: [.short, .long], help: "Threads.") var threads = Engine.defaultThreadCount
    @Option(name: [.short, .customLong("ctx-size")], help: "Longest sequence in tokens (default: the model's, at most 4096).") var contextLength: Int?
    @Option(help: "Most sequences decoding at once.") var parallel = 16
    @Option(help: "Most requests waiting; beyond it requests get 429.") var queue = 256
    @Option(help: "KV cache size in MiB (default: room for every sequence's full context, at most 1024).") var kvCacheMiB: Int?
    @Option(help: "Largest request body in bytes.") var bodyLimit = 4 << 20
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Run without a ledger (no API keys, no usage rows).") var noLedger = false

    func run() async throws {
        let path = try ModelLocation.resolve(model)
        guard threads >= 1, parallel >= 1, queue >= 0, bodyLimit > 0 else { throw ValidationError("threads, parallel and body-limit must be positive") }
        let engine = try BatchEngine(.init(modelPath: path, threads: threads, contextLength: contextLength,
                                           kvCacheBytes: kvCacheMiB.map { $0 << 20 }, maxSequences: parallel, maxQueue: queue))
        let ledger = noLedger ? nil : try ledgerOptions.open()
        if let ledger {
            let closed = try await ledger.markInterrupted(startedBefore: Date())
            if closed > 0 { Stderr.print("ledger: \(closed) request(s) interrupted by the last shutdown marked as errors") }
        }
        let name = modelName ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let gateway = Gateway(configuration: .init(host: host, port: port, bodyLimit: bodyLimit, modelName: name),
                              engine: engine, ledger: ledger)
        let kv = engine.kvBlockCount * engine.blockSize
        let app = gateway.application { port in
            Stderr.print("continuum serve: model '\(name)' on http://\(host):\(port)/v1 (context \(engine.contextLength), KV cache \(kv) tokens, \(parallel) parallel)")
        }
        try await app.runService()
    }
}
