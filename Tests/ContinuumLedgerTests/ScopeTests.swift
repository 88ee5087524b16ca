import ContinuumLedger
import Foundation
import GRDB
import Testing

/// Key scopes: "inference" by default, "admin" for metrics and management, both with
/// `--admin`; stored, cached, reloaded and validated.
@Suite struct ScopeTests {
    @Test func keysInferByDefault() async throws {
        let ledger = try Ledger.inMemory()
        let (id, secret) = try await ledger.createKey(name: "plain")
        let key = try #require(try await ledger.authenticate(secret))
        #expect(key.scopes == KeyRecord.defaultScopes)
        #expect(key.scopes == ["inference"])
        #expect(key.mayInfer && !key.isAdmin)
        #expect(try await ledger.key(id: id).scopes == ["inference"])
    }

    @Test func scopesRoundTripThroughCacheDatabaseAndAnotherProcess() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")
        let ledger = try Ledger(path: path)
        let both = try await ledger.createKey(name: "ops", scopes: ["inference", "admin"])
        let adminOnly = try await ledger.createKey(name: "metrics", scopes: ["admin", "admin"])
        let inference = try await ledger.createKey(name: "app", scopes: ["inference"])

        func check(_ ledger: Ledger) async throws {
            let ops = try #require(try await ledger.authenticate(both.secret))
            #expect(ops.scopes == ["inference", "admin"] && ops.isAdmin && ops.mayInfer)
            let metrics = try #require(try await ledger.authenticate(adminOnly.secret))
            #expect(metrics.scopes == ["admin"] && metrics.isAdmin && !metrics.mayInfer)
            let app = try #require(try await ledger.authenticate(inference.secret))
            #expect(app.scopes == ["inference"] && !app.isAdmin && app.mayInfer)
            let listed = try await ledger.listKeys()
            #expect(listed.map(\.scopes) == [["inference", "admin"], ["admin"], ["inference"]])
        }
        try await check(ledger)  // from the cache filled by createKey
        try await ledger.reloadKeys()
        try await check(ledger)  // from the database
        try await ledger.close()
        let reopened = try Ledger(path: path)
        try await check(reopened)
        try await reopened.close()
    }

    @Test func unknownOrNoScopesAreRefused() async throws {
        let ledger = try Ledger.inMemory()
        do {
            _ = try await ledger.createKey(name: "x", scopes: ["inference", "superuser"])
            Issue.record("an unknown scope was accepted")
        } catch {
            #expect(error == .invalidArgument)
            #expect(error.message.contains("superuser"))
        }
        await #expect(throws: LedgerError.invalidArgument) { try await ledger.createKey(name: "x", scopes: []) }
        await #expect(throws: LedgerError.invalidArgument) { try await ledger.createKey(name: "x", scopes: ["Admin"]) }
        #expect(try await ledger.listKeys().isEmpty)
    }

    /// A scopes column that is not a JSON list (edited by hand, damaged) grants nothing.
    @Test func unreadableScopesGrantNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")
        let ledger = try Ledger(path: path)
        let (id, secret) = try await ledger.createKey(name: "damaged", scopes: ["inference", "admin"])
        try await ledger.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE api_keys SET scopes = 'admin' WHERE id = ?", arguments: [id])
        }
        try queue.close()

        let reopened = try Ledger(path: path)
        let key = try #require(try await reopened.authenticate(secret))
        #expect(key.scopes.isEmpty && !key.isAdmin && !key.mayInfer)
        try await reopened.close()
    }
}
