import ContinuumEngine
import ContinuumLedger
import ServiceLifecycle

/// Runs beside the HTTP server. On graceful shutdown (SIGTERM/SIGINT) it stops the engines
/// from admitting requests, lets in-flight generations finish within the grace period,
/// closes the connection pools to remote backends, then flushes and closes the ledger.
struct EngineShutdownService: Service {
    let engines: [BatchEngine]
    let remotes: [OpenAIBackend]
    let ledger: Ledger?
    let grace: Double

    func run() async throws {
        try? await gracefulShutdown()
        await withTaskGroup(of: Void.self) { group in
            for engine in engines {
                group.addTask { await engine.shutdown(deadline: .milliseconds(Int(grace * 1000))) }
            }
        }
        for r in remotes { await r.shutdown() }
        if let ledger {
            try? await ledger.close()
        }
    }
}
