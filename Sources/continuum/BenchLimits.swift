import ArgumentParser
import ContinuumGateway
import ContinuumLedger
import Foundation

/// `continuum bench-limits --ledger-url URL`: the cost of a shared rate-limit check on a
/// lease hit (p50, p99), and on a miss (a lease taken from PostgreSQL), beside one instance's
/// in-memory check. The instance-level numbers (requests/s, statements per 1,000 requests)
/// come from scripts/bench-limits.py.
struct BenchLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-limits", abstract: "Time rate-limit checks against the shared store (lease hits and misses).")

    @OptionGroup var ledgerOptions: LedgerOptions
    @Option(help: "Admissions to time.") var count = 200_000
    @Option(help: "The key's requests per minute (high, so the bucket never runs dry; leases of rpm/100).") var rpm = 2_000_000

    func run() async throws {
        guard let url = try ledgerOptions.sharedURL() else { throw ValidationError("bench-limits needs --ledger-url (or $CONTINUUM_LEDGER_URL)") }
        let (store, running) = try await ledgerOptions.openShared(url)
        defer { running.cancel() }
        let r = try await LimitsBenchmark.run(store: store, keyID: -Int64.random(in: 1...1_000_000), perMinute: rpm, count: count)
        func show(_ name: String, _ d: [Duration]) {
            guard !d.isEmpty else { return print("\(name): none") }
            let ns = d.map { Double($0.components.attoseconds) / 1e9 + Double($0.components.seconds) * 1e9 }.sorted()
            func p(_ q: Double) -> Double { ns[min(ns.count - 1, Int(Double(ns.count) * q))] }
            print(String(format: "%@: n=%d p50 %.0f ns, p99 %.0f ns, max %.0f ns", name, ns.count, p(0.5), p(0.99), ns.last!))
        }
        show("shared lease hit (no statement)", r.hits)
        show("shared lease miss (statement)", r.misses)
        show("one instance, in memory", r.local)
        print("statements: \(r.statements) for \(count) admissions (\(String(format: "%.2f", Double(r.statements) * 1000 / Double(count))) per 1,000)")
    }
}
