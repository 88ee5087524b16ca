import ContinuumLedger
import Foundation
import Testing

/// Stored Responses API answers: key scoping, expiry and the purge.
@Suite struct ResponseStoreTests {
    func row(_ id: String, key: Int64?, expires: Date) -> StoredResponse {
        StoredResponse(id: id, keyID: key, createdAt: Date(timeIntervalSince1970: 1000), expiresAt: expires, model: "m",
                       items: #"[{"type":"message","role":"user","content":"hi"}]"#, response: #"{"id":"\#(id)"}"#)
    }

    @Test func onlyTheSameKeyReadsItUntilItExpires() async throws {
        let ledger = try Ledger.inMemory()
        let now = Date(timeIntervalSince1970: 2000)
        let stored = row("resp_a", key: 1, expires: now.addingTimeInterval(60))
        try await ledger.storeResponse(stored, now: now)
        #expect(try await ledger.storedResponse(id: "resp_a", keyID: 1, now: now) == stored)
        #expect(try await ledger.storedResponse(id: "resp_a", keyID: 2, now: now) == nil, "another key's")
        #expect(try await ledger.storedResponse(id: "resp_a", keyID: nil, now: now) == nil, "no key is not any key")
        #expect(try await ledger.storedResponse(id: "resp_b", keyID: 1, now: now) == nil)
        #expect(try await ledger.storedResponse(id: "resp_a", keyID: 1, now: now.addingTimeInterval(61)) == nil, "expired")
    }

    @Test func keylessRowsAndDelete() async throws {
        let ledger = try Ledger.inMemory()
        let now = Date(timeIntervalSince1970: 2000)
        try await ledger.storeResponse(row("resp_n", key: nil, expires: now.addingTimeInterval(60)), now: now)
        #expect(try await ledger.storedResponse(id: "resp_n", keyID: nil, now: now) != nil)
        #expect(try await ledger.deleteStoredResponse(id: "resp_n", keyID: 3, now: now) == false)
        #expect(try await ledger.deleteStoredResponse(id: "resp_n", keyID: nil, now: now))
        #expect(try await ledger.storedResponse(id: "resp_n", keyID: nil, now: now) == nil)
    }

    @Test func expiredRowsArePurgedAtTheNextStoreOrOnDemand() async throws {
        let ledger = try Ledger.inMemory()
        let now = Date(timeIntervalSince1970: 2000)
        try await ledger.storeResponse(row("resp_old", key: 1, expires: now.addingTimeInterval(10)), now: now)
        try await ledger.storeResponse(row("resp_old2", key: 1, expires: now.addingTimeInterval(10)), now: now)
        try await ledger.storeResponse(row("resp_new", key: 1, expires: now.addingTimeInterval(100)), now: now.addingTimeInterval(20))
        #expect(try await ledger.purgeExpiredResponses(now: now.addingTimeInterval(20)) == 0, "the store already purged both")
        #expect(try await ledger.purgeExpiredResponses(now: now.addingTimeInterval(200)) == 1)
    }

    @Test func migratesAFileLedger() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("responses-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let now = Date()
        do {
            let ledger = try Ledger(path: path)
            try await ledger.storeResponse(row("resp_f", key: 1, expires: now.addingTimeInterval(60)), now: now)
        }
        let reopened = try Ledger(path: path)
        #expect(try await reopened.storedResponse(id: "resp_f", keyID: 1, now: now)?.model == "m")
    }
}
