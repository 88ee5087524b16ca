import ArgumentParser
import ContinuumLedger
import Foundation

/// Where the ledger lives: `--ledger`, `$CONTINUUM_LEDGER`, or ~/.local/share/continuum/ledger.sqlite.
struct LedgerOptions: ParsableArguments {
    @Option(help: "SQLite ledger file (API keys and usage).") var ledger: String?

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
