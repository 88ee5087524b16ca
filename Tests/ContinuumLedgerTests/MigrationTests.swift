import ContinuumLedger
import Foundation
import GRDB
import Testing

@Suite struct MigrationTests {
    @Test func freshFileIsCreatedInWALMode() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.path("ledger.sqlite"))
        let pragmas = try await ledger.pragmas()
        #expect(pragmas.journalMode == "wal")
        #expect(pragmas.synchronous == 1)  // NORMAL
        #expect(try await ledger.hasAnyKeys() == false)
        #expect(try await ledger.requestCount() == 0)
        try await ledger.close()
        #expect(FileManager.default.fileExists(atPath: dir.path("ledger.sqlite")))
    }

    @Test func powerLossDurabilityUsesFullSync() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.path("ledger.sqlite"), options: .init(durability: .powerLoss))
        #expect(try await ledger.pragmas().synchronous == 2)  // FULL
        try await ledger.close()
    }

    @Test func reopeningAnExistingFileKeepsItsData() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")
        let first = try Ledger(path: path)
        let (id, secret) = try await first.createKey(name: "alice")
        first.record(finishedRecord("r1", keyID: id))
        try await first.close()

        for _ in 0..<2 {  // migrations are idempotent
            let again = try Ledger(path: path)
            #expect(try await again.authenticate(secret)?.id == id)
            #expect(try await again.request(id: "r1")?.keyID == id)
            #expect(try await again.tokensUsed(keyID: id) == 15)
            try await again.close()
        }
    }

    /// A file left by the first release keeps its key and rows, gains the decision columns
    /// and key scopes (old keys: the default, inference only), and takes rows that use them.
    @Test func v1DatabaseMigratesKeepingItsRows() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A key secret and its stored hash, borrowed from a throwaway ledger.
        let donorPath = dir.path("donor.sqlite")
        let donor = try Ledger(path: donorPath)
        let secret = try await donor.createKey(name: "donor").secret
        try await donor.close()
        let hash = try await DatabaseQueue(path: donorPath).read { db in
            try Data.fetchOne(db, sql: "SELECT secret_hash FROM api_keys")
        }
        let path = dir.path("ledger.sqlite")
        try V1Database.create(at: path, secret: secret, secretHash: try #require(hash))
        #expect(try !V1Database.columns(of: "requests", at: path).contains("policy"))

        let ledger = try Ledger(path: path)
        let key = try #require(try await ledger.authenticate(secret))
        #expect(key.name == "old" && key.allowedModels == ["qwen"])
        #expect(key.scopes == ["inference"] && key.mayInfer && !key.isAdmin)
        #expect(try await ledger.tokensUsed(keyID: key.id) == 15)
        let old = UsageRecord(
            requestID: "old-1", startedAt: Date(timeIntervalSince1970: 1_700_000_000),
            finishedAt: Date(timeIntervalSince1970: 1_700_000_001), keyID: key.id, model: "qwen",
            tier: "edge", backend: "local", routeReason: "default", promptTokens: 10,
            completionTokens: 5, cachedTokens: 2, timeToFirstTokenMs: 12.5, totalMs: 100,
            status: .ok, httpStatus: 200)
        #expect(try await ledger.request(id: "old-1") == old)

        var new = finishedRecord("new-1", keyID: key.id)
        new.policy = "cascade"
        new.escalation = "after"
        new.tokensEstimated = true
        ledger.record(new)
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "new-1"), new))
        #expect(try await ledger.tokensUsed(keyID: key.id) == 30)
        try await ledger.close()

        let requestColumns = try V1Database.columns(of: "requests", at: path)
        for column in ["policy", "reason_code", "escalation", "personal_data", "user", "tokens_estimated"] {
            #expect(requestColumns.contains(column), "requests.\(column)")
        }
        #expect(try V1Database.columns(of: "api_keys", at: path).contains("scopes"))
        let again = try Ledger(path: path)  // migrating twice is a no-op
        #expect(try await again.requestCount() == 2)
        try await again.close()
    }

    @Test func missingDirectoryIsACannotOpenErrorNamingThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/ledger.sqlite"
        #expect(throws: LedgerError.cannotOpen) { try Ledger(path: path) }
        do {
            _ = try Ledger(path: path)
        } catch {
            #expect(error.message.contains(path))
            #expect(error.label == "cannot_open")
        }
    }

    @Test func aFileThatIsNotADatabaseIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("garbage.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        #expect(throws: LedgerError.self) { try Ledger(path: path) }
    }

    @Test func inMemoryLedgerWorks() async throws {
        let ledger = try Ledger.inMemory()
        #expect(ledger.path == nil)
        ledger.record(finishedRecord("r1"))
        await ledger.flush()
        #expect(try await ledger.requestCount() == 1)
    }
}
