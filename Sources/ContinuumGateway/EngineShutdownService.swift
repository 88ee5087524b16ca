import ContinuumEngine
import ContinuumLedger
import ServiceLifecycle

/// Runs beside the HTTP server. On graceful shutdown (SIGTERM/SIGINT) it stops the engine
/// from admitting requests, lets in-flight generations finish within the grace period,
/// then flushes and closes the ledger.
struct EngineShutdownService: Service {
    let engine: BatchEngine
    let ledger: Ledger?
    let grace: Double

    func run() async throws {
        try? await gracefulShutdown()
        await engine.shutdown(deadline: .milliseconds(Int(grace * 1000)))
        if let ledger {
            try? await ledger.close()
        }
    }
}
