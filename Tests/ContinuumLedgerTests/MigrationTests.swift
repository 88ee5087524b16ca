import ContinuumLedger
import Foundation
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
