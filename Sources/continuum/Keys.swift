import ArgumentParser
import ContinuumLedger
import Foundation

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys (once any key exists, `serve` requires one).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print its secret (shown once).")
        @Argument(help: "A name for the key.") var name: String
        @Option(help: "Allowed model (repeatable; default: all).") var model: [String] = []
        @Option(help: "Allowed tier (repeatable; default: all).") var tier: [String] = []
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens per minute.") var tpm: Int?
        @Option(help: "Total token budget.") var budget: Int?
        @Flag(help: "Also allow admin endpoints such as metrics (scopes inference and admin).") var admin = false
        @Option(help: "Scope: inference or admin (repeatable; default: inference). --scope admin alone makes a metrics-only key.") var scope: [String] = []
        @Option(help: ArgumentHelp("Import the secret held in this environment variable instead of generating one (e.g. a key clients already use with another gateway; 32 to 256 printable characters).", valueName: "VAR")) var secretEnv: String?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            var imported: String?
            if let secretEnv {
                guard let v = ProcessInfo.processInfo.environment[secretEnv], !v.isEmpty else {
                    throw ValidationError("--secret-env: $\(secretEnv) is not set")
                }
                imported = v
            }
            for t in tier where !["device", "edge", "cloud"].contains(t) {
                throw ValidationError("--tier must be device, edge or cloud (got '\(t)')")
            }
            if admin && !scope.isEmpty {
                throw ValidationError("use --admin or --scope, not both (--admin is --scope inference --scope admin)")
            }
            for s in scope where !KeyRecord.knownScopes.contains(s) {
                throw ValidationError("--scope must be \(KeyRecord.knownScopes.joined(separator: " or ")) (got '\(s)')")
            }
            let scopes: [String]? = admin ? ["inference", "admin"] : scope.isEmpty ? nil : scope
            let (id, secret) = try await ledger.withKeyStore { store in
                try await store.createKey(name: name, allowedModels: model.isEmpty ? nil : model,
                                          allowedTiers: tier.isEmpty ? nil : tier, requestsPerMinute: rpm,
                                          tokensPerMinute: tpm, tokenBudget: budget, scopes: scopes, secret: imported,
                                          now: Date())
            }
            if imported == nil {
                print(secret)
                Stderr.print("created key \(id) '\(name)'; the secret above is shown only once")
            } else {
                Stderr.print("imported key \(id) '\(name)' (\(secret.prefix(11))…)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (prefixes only).")
        @Flag(help: "Include revoked keys.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            let keys = try await ledger.withKeyStore { try await $0.listKeys(includeRevoked: all, after: 0, limit: 100) }
            print("id\tprefix\tname\tscopes\ttokens used\tbudget\tstatus")
            for k in keys {
                let scopes = k.scopes.isEmpty ? "-" : k.scopes.joined(separator: ",")
                print("\(k.id)\t\(k.prefix)\t\(k.name)\t\(scopes)\t\(k.tokensUsed)\t\(k.tokenBudget.map(String.init) ?? "-")\t\(k.isRevoked ? "revoked" : "active")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or prefix.")
        @Argument(help: "Key id or prefix (ck-…).") var key: String
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            let k = try await ledger.withKeyStore { try await $0.revokeKey(key, now: Date()) }
            print("revoked key \(k.id) '\(k.name)'")
        }
    }
}

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise the ledger: requests, tokens, errors, latency.")
    @Option(help: "Group by key, model, tier, backend, policy, reason, escalation, personal-data or user.") var by = "model"
    @Option(help: "Only the last N hours.") var hours: Double?
    @OptionGroup var ledger: LedgerOptions

    func run() async throws {
        guard let group = UsageGrouping(rawValue: by) else {
            throw ValidationError("--by must be one of \(UsageGrouping.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(by)')")
        }
        let since = hours.map { Date().addingTimeInterval(-$0 * 3600) } ?? .distantPast
        let rows: [UsageSummary]
        if let url = try ledger.sharedURL() {
            // Every instance's shipped rows (rows still in an instance's spool are not yet there).
            let (store, running) = try await ledger.openShared(url, wait: .seconds(5))
            defer { running.cancel() }
            rows = try await store.usageSummary(since: since, until: .distantFuture, groupBy: group, limit: 100)
        } else {
            let l = try ledger.open()
            rows = try await l.usageSummary(since: since, groupBy: group)
            try await l.close()
        }
        print("\(by)\trequests\terrors\tprompt\tcompletion\tcached\tTTFT p50 ms\tTTFT p95 ms")
        for r in rows {
            print("\(r.group)\t\(r.requests)\t\(r.errors)\t\(r.promptTokens)\t\(r.completionTokens)\t\(r.cachedTokens)\t"
                  + "\(r.p50TimeToFirstTokenMs.map { String(format: "%.1f", $0) } ?? "-")\t\(r.p95TimeToFirstTokenMs.map { String(format: "%.1f", $0) } ?? "-")")
        }
    }
}
