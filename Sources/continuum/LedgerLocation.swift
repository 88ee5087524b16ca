import ArgumentParser
import ContinuumLedger
import Foundation

/// Where the ledger lives: `--ledger`, `$CONTINUUM_LEDGER`, or ~/.local/share/continuum/ledger.sqlite.
struct LedgerOptions: ParsableArguments {
    @Option(help: "SQLite ledger file (API keys and usage; with --ledger-url, this instance's local spool and key mirror).") var ledger: String?
    @Option(help: "PostgreSQL store shared by several gateways: postgres://user[:password]@host[:port]/database (or $CONTINUUM_LEDGER_URL).")
    var ledgerURL: String?

    /// The shared store's URL, from --ledger-url, then `fromConfig`, then $CONTINUUM_LEDGER_URL; nil: SQLite alone.
    func sharedURL(fromConfig: String? = nil) throws -> SharedStoreURL? {
        let env = ProcessInfo.processInfo.environment["CONTINUUM_LEDGER_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = ledgerURL ?? fromConfig ?? env else { return nil }
        do { return try SharedStoreURL(text) } catch { throw ValidationError(error.message) }
    }

    /// Connects to the shared store and migrates it; the returned task runs its connection
    /// pool (cancel it when done). Retries for up to `wait` so instances may start before
    /// the database; then a clear error.
    func openShared(_ url: SharedStoreURL, wait: Duration = .seconds(15)) async throws -> (SharedStore, Task<Void, Never>) {
        let store = SharedStore(url: url)
        let running = Task { await store.run() }
        let deadline = ContinuousClock.now + wait
        while true {
            do {
                try await store.migrate()
                return (store, running)
            } catch {
                if ContinuousClock.now >= deadline {
                    running.cancel()
                    throw ValidationError("shared store \(url): \(error.message)")
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    var path: String {
        if let l = ledger { return l }
        if let e = ProcessInfo.processInfo.environment["CONTINUUM_LEDGER"], !e.isEmpty { return e }
        return NSHomeDirectory() + "/.local/share/continuum/ledger.sqlite"
    }

    func open() throws -> Ledger {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        return try Ledger(path: path)
    }
}
